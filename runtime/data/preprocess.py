"""Padding, label encoding, one-hot, split and optional scaling, as IDEKO's original script.

The original: ``pad_sequences(series, padding="post", value=0, dtype="float32")`` (no
truncation, length = longest series) -> ``LabelEncoder().fit_transform(labels)`` ->
``to_categorical`` -> ``train_test_split(X, y, test_size=0.2, random_state=2)``. Padding and
one-hot are reimplemented in NumPy so nothing here imports Keras; tests compare them with the
real functions on fixed input.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from ideko.runtime.data.config import SplitConfig
from ideko.runtime.data.errors import DataError


def pad_series(
    series: Sequence[np.ndarray],
    *,
    value: float = 0.0,
    side: str = "post",
    maxlen: int | None = None,
    dtype: type = np.float32,
) -> np.ndarray:
    """Stack (time, indicators) arrays into (n, maxlen, indicators), padding with ``value``.

    ``maxlen`` defaults to the longest series; longer series are an error (no truncation).
    """
    if side not in ("post", "pre"):
        raise DataError(f"padding side {side!r} must be 'post' or 'pre'")
    lengths = [len(s) for s in series]
    width = next((s.shape[1] for s in series if s.ndim == 2), 0)
    length = max(lengths, default=0) if maxlen is None else maxlen
    if lengths and max(lengths) > length:
        raise DataError(f"a series has {max(lengths)} points, longer than maxlen={length}")
    out = np.full((len(series), length, width), value, dtype=dtype)
    for row, values in enumerate(series):
        size = len(values)
        if size == 0:
            continue
        if side == "post":
            out[row, :size] = values
        else:
            out[row, length - size :] = values
    return out


def encode_labels(
    labels: Sequence[str], classes: Sequence[str]
) -> tuple[tuple[str, ...], np.ndarray]:
    """LabelEncoder order (sorted label names) over every configured class, and indices.

    LabelEncoder sorts the labels it sees; sorting all configured labels gives the same order
    whenever every class is present, and a stable one-hot width when one is missing.
    """
    order = tuple(sorted(set(classes)))
    unknown = sorted(set(labels) - set(order))
    if unknown:
        raise DataError(f"labels {unknown} are not among the classes {list(order)}")
    index = {name: i for i, name in enumerate(order)}
    return order, np.array([index[label] for label in labels], dtype=np.int64)


def one_hot(indices: np.ndarray, num_classes: int) -> np.ndarray:
    """float32 one-hot rows, as ``keras.utils.to_categorical``."""
    out = np.zeros((len(indices), num_classes), dtype=np.float32)
    out[np.arange(len(indices)), indices] = 1.0
    return out


def split_indices(
    n: int, y: np.ndarray, days: Sequence[str], split: SplitConfig
) -> tuple[np.ndarray, np.ndarray]:
    """Train and test row indices for the configured strategy.

    ``random`` and ``stratified`` call ``train_test_split`` on ``arange(n)``: it shuffles the
    indices exactly as it would shuffle ``X`` and ``y``, so ``X[train]`` equals the original's
    ``X_train`` row for row. ``by_day`` holds out whole day folders (named ``test_days``, or a
    ``test_size`` fraction of the days drawn with the seed), so no day sits on both sides.
    """
    from sklearn.model_selection import GroupShuffleSplit, train_test_split

    if n < 2:
        raise DataError(f"cannot split {n} series into train and test sets")
    indices = np.arange(n)
    if split.strategy in ("random", "stratified"):
        stratify = y if split.strategy == "stratified" else None
        try:
            train, test = train_test_split(
                indices, test_size=split.test_size, random_state=split.seed, stratify=stratify
            )
        except ValueError as exc:
            raise DataError(f"{split.strategy} split failed: {exc}") from exc
        return np.asarray(train), np.asarray(test)
    if split.strategy != "by_day":
        raise DataError(f"unknown split strategy {split.strategy!r}")
    day_array = np.asarray(days, dtype=str)
    distinct = sorted(set(day_array.tolist()))
    if split.test_days:
        absent = [d for d in split.test_days if d not in distinct]
        if absent:
            raise DataError(f"by_day split: test day(s) {absent} not found; days are {distinct}")
        mask = np.isin(day_array, list(split.test_days))
        if mask.all():
            raise DataError("by_day split: the named test days hold every series")
        return indices[~mask], indices[mask]
    if len(distinct) < 2:
        raise DataError(f"by_day split needs at least 2 day folders, found {distinct}")
    splitter = GroupShuffleSplit(n_splits=1, test_size=split.test_size, random_state=split.seed)
    train, test = next(splitter.split(indices, groups=day_array))
    return np.sort(train), np.sort(test)


def validation_positions(y: np.ndarray, days: Sequence[str], split: SplitConfig) -> np.ndarray:
    """Positions (into the training rows ``y``/``days``) of the validation rows, sorted.

    ``tail`` is Keras' ``validation_split`` (the last ``n - floor(n * (1 - size))`` rows, so
    the original script's model sees exactly the same validation rows). ``stratified`` draws
    ``round(size * count)`` rows of every class with two or more rows (at least one, never
    all) with the seed; ``by_day`` holds out whole training days, named or drawn.
    """
    validation = split.validation
    strategy = validation.resolved(split.strategy)
    n = len(y)
    if strategy == "tail":
        return np.arange(math.floor(n * (1.0 - validation.size)), n)
    if strategy == "stratified":
        rng = np.random.default_rng(split.seed)
        picked: list[np.ndarray] = []
        for label in np.unique(y):
            members = np.flatnonzero(y == label)
            if len(members) < 2:
                continue
            count = min(max(round(validation.size * len(members)), 1), len(members) - 1)
            picked.append(rng.permutation(members)[:count])
        return np.sort(np.concatenate(picked)) if picked else np.arange(0)
    if strategy != "by_day":
        raise DataError(f"unknown validation strategy {strategy!r}")
    return _validation_days(np.asarray(days, dtype=str), split)


def _validation_days(day_array: np.ndarray, split: SplitConfig) -> np.ndarray:
    from sklearn.model_selection import GroupShuffleSplit

    validation = split.validation
    distinct = sorted(set(day_array.tolist()))
    positions = np.arange(len(day_array))
    if validation.days:
        absent = [d for d in validation.days if d not in distinct]
        if absent:
            raise DataError(
                f"validation day(s) {absent} are not training days; training days are {distinct}"
            )
        mask = np.isin(day_array, list(validation.days))
        if mask.all():
            raise DataError("the named validation days hold every training series")
        return positions[mask]
    if len(distinct) < 2:
        raise DataError(
            f"by_day validation needs at least 2 training day folders, found {distinct}; "
            "use validation strategy stratified"
        )
    splitter = GroupShuffleSplit(n_splits=1, test_size=validation.size, random_state=split.seed)
    _, held = next(splitter.split(positions, groups=day_array))
    return np.sort(held)


def fit_scaler(series: Sequence[np.ndarray], method: str) -> dict[str, Any]:
    """Per-indicator scaling parameters from the TRAIN series only (NaN-aware, no padding)."""
    if method == "none" or not series:
        return {"method": "none"}
    stacked = np.concatenate([s for s in series if len(s)], axis=0).astype(np.float64)
    stacked[~np.isfinite(stacked)] = np.nan
    if method == "standard":
        center = np.nanmean(stacked, axis=0)
        scale = np.nanstd(stacked, axis=0)
    elif method == "minmax":
        center = np.nanmin(stacked, axis=0)
        scale = np.nanmax(stacked, axis=0) - center
    else:
        raise DataError(f"unknown scaling {method!r}")
    center = np.nan_to_num(center, nan=0.0)
    scale = np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)
    return {"method": method, "center": center.tolist(), "scale": scale.tolist()}
