"""Dataset files passed between steps: one compressed ``.npz`` plus a JSON sidecar.

``.npz`` arrays: ``X`` float32 (n, T, F), ``y`` one-hot float32 (n, C), ``labels`` (label name
per row), ``days`` (day folder per row), ``paths`` (source file per row, relative to the data
root), ``classes`` (column order of ``y``, LabelEncoder order) and, on a training split,
``validation`` (bool per row: the validation rows every model and trial validates on;
absent in files written before the dataset format v2). The file is written through
a file object, so a KFP artifact ``.path`` without extension is used as-is (``np.savez``
would append ``.npz`` to a path string).
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from ideko.runtime.atomic import atomic_open, write_json
from ideko.runtime.data.errors import DataError
from ideko.runtime.document_files import check_file_document, read_json

ARRAY_NAMES = ("X", "y", "labels", "days", "paths", "classes")
OPTIONAL_ARRAYS = ("validation",)


@dataclass(frozen=True)
class Dataset:
    """One side of the split, ready for Keras: padded ``X`` and one-hot ``y``."""

    X: np.ndarray
    y: np.ndarray
    labels: np.ndarray
    days: np.ndarray
    paths: np.ndarray
    classes: tuple[str, ...]
    validation: np.ndarray | None = None  # bool per row (training split only)

    def __post_init__(self) -> None:
        n = self.X.shape[0]
        if self.X.ndim != 3:
            raise DataError(f"X must be 3-D (series, time, indicators), got shape {self.X.shape}")
        if self.y.shape != (n, len(self.classes)):
            raise DataError(f"y has shape {self.y.shape}, expected {(n, len(self.classes))}")
        for name in ("labels", "days", "paths"):
            if len(getattr(self, name)) != n:
                raise DataError(f"{name} has {len(getattr(self, name))} rows, X has {n}")
        if self.validation is not None and self.validation.shape != (n,):
            raise DataError(f"validation has shape {self.validation.shape}, expected ({n},)")

    def __len__(self) -> int:
        return int(self.X.shape[0])

    @property
    def y_int(self) -> np.ndarray:
        """Integer class indices (argmax of the one-hot rows)."""
        return self.y.argmax(axis=1) if len(self) else np.zeros(0, dtype=np.int64)

    def class_distribution(self) -> dict[str, int]:
        """Series per class name, every class present (0 when absent)."""
        counts = dict.fromkeys(self.classes, 0)
        for label in self.labels.tolist():
            counts[label] = counts.get(label, 0) + 1
        return counts

    def validation_distribution(self) -> dict[str, int]:
        """Validation series per class name (all 0 when the split carries no validation rows)."""
        counts = dict.fromkeys(self.classes, 0)
        if self.validation is not None:
            for label in self.labels[self.validation].tolist():
                counts[label] = counts.get(label, 0) + 1
        return counts


def save_dataset(path: str | os.PathLike[str], dataset: Dataset) -> None:
    """Write ``dataset`` to exactly ``path`` (no extension added), atomically."""
    arrays = {
        "X": np.ascontiguousarray(dataset.X, dtype=np.float32),
        "y": np.ascontiguousarray(dataset.y, dtype=np.float32),
        "labels": np.asarray(dataset.labels, dtype=str),
        "days": np.asarray(dataset.days, dtype=str),
        "paths": np.asarray(dataset.paths, dtype=str),
        "classes": np.asarray(dataset.classes, dtype=str),
    }
    if dataset.validation is not None:
        arrays["validation"] = np.asarray(dataset.validation, dtype=bool)
    with atomic_open(path, "wb") as handle:
        np.savez_compressed(handle, **arrays)


def load_dataset(path: str | os.PathLike[str]) -> Dataset:
    """Read a file written by :func:`save_dataset`; raise DataError if it is not one."""
    source = Path(path)
    if not source.is_file():
        raise DataError(f"dataset file {source} does not exist")
    try:
        with np.load(source, allow_pickle=False) as npz:
            missing = [name for name in ARRAY_NAMES if name not in npz.files]
            if missing:
                raise DataError(f"{source} is not an ideko dataset: missing {', '.join(missing)}")
            arrays = {name: npz[name] for name in ARRAY_NAMES}
            arrays.update({name: npz[name] for name in OPTIONAL_ARRAYS if name in npz.files})
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        if isinstance(exc, DataError):
            raise
        raise DataError(f"{source} is not a readable .npz dataset: {exc}") from exc
    classes = tuple(arrays.pop("classes").tolist())
    return Dataset(**arrays, classes=classes)


def save_metadata(path: str | os.PathLike[str], metadata: dict[str, Any]) -> None:
    """Write the JSON sidecar (sorted keys, stable output) atomically."""
    write_json(path, metadata)


def load_metadata(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a JSON sidecar written by :func:`save_metadata`, checked against its contract
    (``schema/contracts/dataset_metadata.schema.json``, version in ``format``)."""
    metadata = read_json(path, lambda message: DataError(f"dataset metadata: {message}"))
    result: dict[str, Any] = check_file_document(path, "dataset_metadata", metadata, DataError)
    return result


def quality_findings(metadata: dict[str, Any]) -> dict[str, Any]:
    """The ``data_quality`` view of a sidecar: verdict, every reason, the validation set."""
    quality = metadata.get("quality", {})
    return {
        "verdict": quality.get("verdict", ""),
        "reasons": list(quality.get("reasons", [])),
        "validation": metadata.get("split", {}).get("validation", {}),
    }
