"""Synthetic IDEKO data set: writes ``<out>/<class folder>/<day>/<series>.zip``.

Deterministic for a seed: every series draws from its own generator keyed by (seed, class,
day, index), the CSV text is formatted with a fixed precision, and zip entries carry a fixed
timestamp and permissions, so the same options give byte-identical files on any machine.
The tree is built in a temporary sibling folder and renamed into place at the end.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from ideko.runtime.atomic import atomic_directory
from ideko.runtime.data.config import DEFAULT_CLASSES
from ideko.runtime.data.errors import DataError
from ideko.runtime.data.signals import KINDS, day_conditions, series_for

ZIP_TIME = (2024, 1, 1, 0, 0, 0)
FIRST_DAY = dt.date(2024, 3, 1)


@dataclass(frozen=True)
class SynthOptions:
    series: int = 240  # total, split evenly over the three classes
    seed: int = 0
    indicators: int = 5  # f1..fK; >= 5 so the example spec's f3, f4, f5 exist
    days: int = 4
    test_day: bool = False  # add a day folder named "test" (for by_day with test_days)
    difficulty: float = 0.3  # 0 = trivially separable, 1 = heavy class overlap
    min_length: int = 200
    max_length: int = 600
    precision: int = 4  # decimals written to the CSV

    def check(self) -> None:
        """Raise DataError with every invalid option."""
        errors = []
        if self.series < 3:
            errors.append("--series must be at least 3 (one per class)")
        if self.indicators < 1:
            errors.append("--indicators must be at least 1")
        if self.days < 1:
            errors.append("--days must be at least 1")
        if not 0.0 <= self.difficulty <= 1.0:
            errors.append("--difficulty must be between 0 and 1")
        if not 8 <= self.min_length <= self.max_length:
            errors.append("--min-length must be >= 8 and <= --max-length")
        if not 0 <= self.precision <= 10:
            errors.append("precision must be between 0 and 10")
        if errors:
            raise DataError("invalid synth options: " + "; ".join(errors))


def day_names(options: SynthOptions) -> list[str]:
    names = [(FIRST_DAY + dt.timedelta(days=i)).isoformat() for i in range(options.days)]
    return [*names, "test"] if options.test_day else names


def generate(out: str | os.PathLike[str], options: SynthOptions, *, force: bool = False) -> int:
    """Write the tree to ``out`` and return the number of series written.

    An existing non-empty ``out`` is an error unless ``force`` (then it is replaced).
    """
    options.check()
    target = Path(out)
    if target.exists() and not target.is_dir():
        raise DataError(f"{target} exists and is not a directory")
    if target.is_dir() and any(target.iterdir()) and not force:
        raise DataError(f"{target} is not empty; pass --force to replace it")
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_directory(target) as staging:
        count = _write_tree(staging, options)
    return count


def _write_tree(root: Path, options: SynthOptions) -> int:
    days = day_names(options)
    conditions = [
        day_conditions(np.random.default_rng([options.seed, 1_000_003, d]), options.indicators)
        for d in range(len(days))
    ]
    header = ";".join(f"f{i + 1}" for i in range(options.indicators))
    per_class = _per_class(options.series, len(KINDS))
    written = 0
    for class_index, ((folder, _), kind) in enumerate(zip(DEFAULT_CLASSES, KINDS, strict=True)):
        for index in range(per_class[class_index]):
            d = index % len(days)
            rng = np.random.default_rng([options.seed, class_index, d, index])
            length = int(rng.integers(options.min_length, options.max_length + 1))
            values = series_for(
                rng, kind, length, options.indicators, conditions[d], options.difficulty
            )
            name = f"{folder}_{days[d]}_{index:05d}"
            text = header + "\n" + csv_body(values, options.precision)
            write_zip(root / folder / days[d] / f"{name}.zip", f"{name}.csv", text)
            written += 1
    return written


def _per_class(total: int, classes: int) -> list[int]:
    base, extra = divmod(total, classes)
    return [base + (1 if i < extra else 0) for i in range(classes)]


def csv_body(values: np.ndarray, precision: int) -> str:
    """``values`` as ``;``-separated rows of fixed precision (also the UCR converter's)."""
    buffer = io.StringIO()
    np.savetxt(buffer, values, fmt=f"%.{precision}f", delimiter=";")
    return buffer.getvalue()


def write_zip(path: Path, member: str, text: str) -> None:
    """One zip holding one CSV member, with fixed timestamp and mode: same text, same bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    info = zipfile.ZipInfo(member, date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    info.create_system = 3  # unix, whatever the host is
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(info, text.encode("utf-8"), compresslevel=6)
