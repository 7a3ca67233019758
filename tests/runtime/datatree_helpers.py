"""Helpers that write tiny IDEKO-layout trees for the data tests."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np


def csv_text(values: np.ndarray, columns: list[str]) -> str:
    rows = [";".join(columns)]
    rows += [";".join(f"{v:.3f}" for v in row) for row in values]
    return "\n".join(rows) + "\n"


def write_zip(path: Path, members: dict[str, str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return path


def write_series(root: Path, folder: str, day: str, name: str, length: int, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    columns = ["f1", "f2", "f3", "f4", "f5"]
    values = rng.normal(size=(length, len(columns)))
    return write_zip(
        root / folder / day / f"{name}.zip", {f"{name}.csv": csv_text(values, columns)}
    )


CLASS_FOLDERS = ("not_anomalous", "mechanical_anomalies", "electrical_anomalies")


def write_class_ordered(root: Path, train_per_class: int = 20, test_per_class: int = 3) -> Path:
    """A public UCR/UEA set as converted to IDEKO's layout: one folder per class, the official
    train and test files as two day folders (``train``, ``test``); reading order is class by
    class, so the last rows of the training split are one class."""
    seed = 0
    for folder in CLASS_FOLDERS:
        for day, count in (("train", train_per_class), ("test", test_per_class)):
            for i in range(count):
                seed += 1
                write_series(root, folder, day, f"s{i:02d}", 12 + seed % 5, seed)
    return root
