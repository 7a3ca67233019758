"""The whole data flow in one call: read -> assess -> split -> scale -> pad -> encode.

``prepare`` is the single function both the preprocess step and an in-process baseline call,
so the two cannot drift apart.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from ideko.runtime.data import preprocess as ops
from ideko.runtime.data import series_transform as transform
from ideko.runtime.data.config import DataConfig, parse_data_config
from ideko.runtime.data.dataset_io import Dataset
from ideko.runtime.data.errors import DataError
from ideko.runtime.data.quality import QualityReport, assess, judge_validation
from ideko.runtime.data.reader import RawData, read_tree
from ideko.schema.documents import CONTRACTS

FORMAT = f"ideko-dataset/v{CONTRACTS['dataset_metadata'].current}"


def as_config(data_config: str | dict[str, Any] | DataConfig) -> DataConfig:
    """Accept the JSON text, its dict, or an already parsed config."""
    if isinstance(data_config, DataConfig):
        return data_config
    return parse_data_config(data_config)


def load_raw(
    data_dir: str | Path, data_config: str | dict[str, Any] | DataConfig
) -> tuple[list[np.ndarray], list[str], list[str], list[str], QualityReport]:
    """Read and assess a tree: (series, labels, days, paths, quality report)."""
    config = as_config(data_config)
    raw = read_tree(data_dir, config)
    return raw.series, raw.labels, raw.days, raw.paths, assess(raw, config)


def prepare(
    data_dir: str | Path,
    data_config: str | dict[str, Any] | DataConfig,
    seed: int | None = None,
) -> tuple[Dataset, Dataset, dict[str, Any], QualityReport]:
    """Read ``data_dir`` and return (train, test, metadata sidecar, quality report).

    ``seed`` (the pipeline parameter) overrides ``split.seed``. A FAIL verdict still yields
    datasets (steps must write their outputs); if the split itself is impossible the test set
    is empty and the failure is a reason.
    """
    config = as_config(data_config).with_seed(seed)
    raw = read_tree(data_dir, config)
    report = assess(raw, config)
    classes, y_int = ops.encode_labels(raw.labels, [label for _, label in config.classes])
    try:
        train_idx, test_idx = ops.split_indices(len(raw.series), y_int, raw.days, config.split)
    except DataError as exc:
        report.fail(f"split: {exc}")
        train_idx, test_idx = np.arange(len(raw.series)), np.arange(0)
    try:
        train_days = [raw.days[i] for i in train_idx]
        held = ops.validation_positions(y_int[train_idx], train_days, config.split)
    except DataError as exc:
        report.fail(f"validation split: {exc}")
        held = np.arange(0)
    shaped = transform.shape_series(
        raw.series, config.length.to_dict(), config.series_normalisation
    )
    _note_length_policy(report, raw.series, config)
    scaler = ops.fit_scaler([shaped[i] for i in train_idx], config.scaling)
    series = transform.apply_scaler(shaped, scaler)
    if report.nan_allowed:
        series = transform.replace_non_finite(series, config.padding_value)
    length = max((len(s) for s in series), default=0)
    datasets = [
        _build(raw, series, idx, y_int, classes, config, length) for idx in (train_idx, test_idx)
    ]
    mask = np.zeros(len(train_idx), dtype=bool)
    mask[held] = True
    datasets[0] = replace(datasets[0], validation=mask)
    judge_validation(report, datasets[0], config)
    for side, dataset in zip(("train", "test"), datasets, strict=True):
        absent = [c for c, n in dataset.class_distribution().items() if n == 0]
        if absent and len(dataset):
            report.warnings.append(f"the {side} set has no series of {', '.join(absent)}")
    metadata = _metadata(raw, config, datasets, classes, scaler, report, length, str(data_dir))
    return datasets[0], datasets[1], metadata, report


def _note_length_policy(
    report: QualityReport, series: list[np.ndarray], config: DataConfig
) -> None:
    """A warning naming how many series the length policy shortened (never silent)."""
    limit = config.length.max_length
    if config.length.policy == "none" or limit is None:
        return
    longer = sum(1 for s in series if len(s) > limit)
    if longer:
        done = "truncated" if config.length.policy == "truncate" else "resampled"
        report.warnings.append(
            f"{longer} series longer than {limit} points {done} to {limit} (data.length)"
        )


def preprocessing_section(
    config: DataConfig, scaler: dict[str, Any], nan_allowed: bool
) -> dict[str, Any]:
    """The metadata's ``preprocessing`` section: everything
    :func:`ideko.runtime.data.series_transform.apply_preprocessing` needs at serving time."""
    return {
        "order": list(transform.ORDER),
        "length": config.length.to_dict(),
        "series_normalisation": config.series_normalisation,
        "scaling": scaler,
        "non_finite": {"replaced_by": config.padding_value if nan_allowed else None},
    }


def _build(
    raw: RawData,
    series: list[np.ndarray],
    idx: np.ndarray,
    y_int: np.ndarray,
    classes: tuple[str, ...],
    config: DataConfig,
    length: int,
) -> Dataset:
    picked = [series[i] for i in idx]
    X = ops.pad_series(picked, value=config.padding_value, side=config.padding_side, maxlen=length)
    if not picked:
        X = np.zeros((0, length, len(config.indicators)), dtype=np.float32)
    return Dataset(
        X=X,
        y=ops.one_hot(y_int[idx], len(classes)),
        labels=np.array([raw.labels[i] for i in idx], dtype=str),
        days=np.array([raw.days[i] for i in idx], dtype=str),
        paths=np.array([raw.paths[i] for i in idx], dtype=str),
        classes=classes,
    )


def _metadata(
    raw: RawData,
    config: DataConfig,
    datasets: list[Dataset],
    classes: tuple[str, ...],
    scaler: dict[str, Any],
    report: QualityReport,
    length: int,
    source: str,
) -> dict[str, Any]:
    train, test = datasets
    everything = {c: train.class_distribution()[c] + test.class_distribution()[c] for c in classes}
    return {
        "format": FORMAT,
        "data_config": config.to_dict(),
        "source": {"uri": source, "fingerprint": raw.fingerprint, "num_files": raw.num_files},
        "indicators": list(config.indicators),
        "classes": list(classes),
        "class_folders": dict(config.classes),
        "padding": {"value": config.padding_value, "side": config.padding_side, "length": length},
        "scaling": scaler,
        "preprocessing": preprocessing_section(config, scaler, report.nan_allowed),
        "split": {
            "strategy": config.split.strategy,
            "test_size": config.split.test_size,
            "seed": config.split.seed,
            "train_days": sorted(set(train.days.tolist())),
            "test_days": sorted(set(test.days.tolist())),
            "validation": report.validation,
        },
        "shapes": {"train": list(train.X.shape), "test": list(test.X.shape)},
        "class_distribution": {
            "train": train.class_distribution(),
            "test": test.class_distribution(),
            "all": everything,
        },
        "nan_replaced": report.nan_allowed and report.series_with_nan > 0,
        "quality": report.to_dict(),
    }
