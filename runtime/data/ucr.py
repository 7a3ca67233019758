"""Convert a UCR/UEA ``.ts`` data set (official TRAIN and TEST files) to IDEKO's layout.

``<out>/class_<label>/<split>/<case>.zip``: one class folder per label, the official
``TRAIN`` and ``TEST`` files as the day folders ``train`` and ``test`` (so ``split:
{strategy: by_day, test_days: [test]}`` reproduces the official split), each case one zipped
``;``-separated CSV with one column per dimension (``f1`` … ``fD``), as the reader expects.
Missing values (``?``) are written as ``nan`` (an empty cell would be a blank line in a
one-column CSV), which the reader counts as NaN.

The ``.ts`` files come from a package that ships them (sktime's ``datasets/data`` folder,
found without importing sktime); nothing is downloaded.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from ideko.runtime.atomic import atomic_directory
from ideko.runtime.data.errors import DataError
from ideko.runtime.data.synth import csv_body, write_zip

SPLITS = {"TRAIN": "train", "TEST": "test"}  # official file suffix -> day folder
CLASS_PREFIX = "class_"


@dataclass
class TsData:
    """The cases of one ``.ts`` file: ``series[i]`` is (length, dimensions), ``labels[i]``."""

    series: list[np.ndarray] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    class_labels: list[str] = field(default_factory=list)  # as declared by @classLabel


@dataclass(frozen=True)
class Converted:
    """What :func:`convert` wrote: the class folder -> label map the spec's ``classes`` needs."""

    root: Path
    classes: dict[str, str]
    counts: dict[str, int]  # day folder -> cases
    dimensions: int
    length: int  # the longest case


def packaged_ts_dir(name: str) -> Path:
    """The folder of data set ``name`` inside the installed sktime package."""
    spec = importlib.util.find_spec("sktime")
    if spec is None or not spec.submodule_search_locations:
        raise DataError("sktime is not installed; pip install '.[bench]' ships the UCR sets")
    folder = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data" / name
    if not folder.is_dir():
        raise DataError(f"sktime ships no data set {name!r} (no folder {folder})")
    return folder


def read_ts(path: Path) -> TsData:
    """Parse one ``.ts`` file (class labels, no time stamps); a malformed line is an error."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read {path}: {exc}") from exc
    out = TsData()
    in_data = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if not in_data:
            in_data = _header(line, out, path, number)
            continue
        *dims, label = line.split(":")
        if not dims:
            raise DataError(f"{path}:{number}: a case needs values and a class label")
        if out.class_labels and label not in out.class_labels:
            raise DataError(f"{path}:{number}: class {label!r} is not declared by @classLabel")
        out.series.append(_case(dims, path, number))
        out.labels.append(label)
    if not out.series:
        raise DataError(f"{path}: no cases after @data")
    return out


def _header(line: str, out: TsData, path: Path, number: int) -> bool:
    words = line.split()
    key = words[0].lower()
    if key == "@data":
        return True
    if key == "@timestamps" and words[1:2] == ["true"]:
        raise DataError(f"{path}:{number}: time-stamped .ts files are not supported")
    if key == "@classlabel":
        if words[1:2] != ["true"]:
            raise DataError(f"{path}:{number}: the data set has no class labels")
        out.class_labels = words[2:]
    return False


def _case(dims: list[str], path: Path, number: int) -> np.ndarray:
    columns = []
    for dim in dims:
        try:
            columns.append(
                np.array([np.nan if v == "?" else float(v) for v in dim.split(",")], np.float64)
            )
        except ValueError as exc:
            raise DataError(f"{path}:{number}: {exc}") from exc
    if len({len(c) for c in columns}) != 1:
        raise DataError(f"{path}:{number}: the dimensions of a case differ in length")
    return np.stack(columns, axis=1)


def convert(ts_dir: Path, name: str, out: Path, *, force: bool = False) -> Converted:
    """Write ``<name>_TRAIN.ts`` and ``<name>_TEST.ts`` of ``ts_dir`` to ``out`` (atomically)."""
    parts = {day: read_ts(ts_dir / f"{name}_{suffix}.ts") for suffix, day in SPLITS.items()}
    labels = sorted({label for part in parts.values() for label in part.labels})
    dims = {s.shape[1] for part in parts.values() for s in part.series}
    if len(dims) != 1:
        raise DataError(f"{name}: cases have different numbers of dimensions {sorted(dims)}")
    if out.exists() and any(out.iterdir()) and not force:
        raise DataError(f"{out} is not empty; pass --force to replace it")
    out.parent.mkdir(parents=True, exist_ok=True)
    header = ";".join(f"f{i + 1}" for i in range(dims.pop()))
    with atomic_directory(out) as staging:
        for day, part in parts.items():
            for index, (series, label) in enumerate(zip(part.series, part.labels, strict=True)):
                case = f"{name}_{day}_{index:05d}"
                text = header + "\n" + csv_body(series, 8)
                write_zip(staging / f"{CLASS_PREFIX}{label}" / day / f"{case}.zip",
                           f"{case}.csv", text)
    return Converted(
        root=out,
        classes={f"{CLASS_PREFIX}{label}": label for label in labels},
        counts={day: len(part.series) for day, part in parts.items()},
        dimensions=len(header.split(";")),
        length=max(len(s) for part in parts.values() for s in part.series),
    )
