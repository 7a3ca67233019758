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
