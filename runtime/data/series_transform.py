"""Per-series transformations, pure NumPy: what preprocessing does to one raw series.

Serving imports this module to treat a raw series exactly as the training data was treated:
:func:`apply_preprocessing` reads the dataset metadata's ``preprocessing`` section (written
by ``prepare``) and runs, in this order (``ORDER``),

1. ``length``: series longer than ``max_length`` are truncated (first ``max_length`` points
   kept) or resampled (linear interpolation onto ``max_length`` evenly spaced points);
   shorter ones are left as they are (padding comes later);
2. ``series_normalisation``: ``zscore`` makes every indicator of every series mean 0, std 1
   (the UCR convention; a constant indicator becomes 0), NaN-aware;
3. ``scaling``: the per-indicator scaler fitted on the training split;
4. ``non_finite``: NaN/inf replaced by the padding value when the quality gate allowed them.

Defaults (``policy: none``, ``series_normalisation: none``, ``scaling: none``) change
nothing, which is the original script. NumPy and ``ideko.schema`` only (no TensorFlow, no
scikit-learn).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from ideko.schema.defaults import enum_of

ORDER = ("length", "series_normalisation", "scaling", "non_finite")
LENGTH_POLICIES: tuple[str, ...] = enum_of("lengthPolicy", "policy")
SERIES_NORMALISATIONS: tuple[str, ...] = enum_of("data", "series_normalisation")


def limit_length(values: np.ndarray, policy: str, max_length: int | None) -> np.ndarray:
    """One (time, indicators) series at most ``max_length`` points long under ``policy``."""
    if policy == "none" or max_length is None or len(values) <= max_length:
        return values
    if policy == "truncate":
        return values[:max_length]
    if policy != "resample":
        raise ValueError(f"unknown length policy {policy!r}; expected one of {LENGTH_POLICIES}")
    source = np.linspace(0.0, 1.0, num=len(values))
    target = np.linspace(0.0, 1.0, num=max_length)
    out = np.empty((max_length, values.shape[1]), dtype=values.dtype)
    for column in range(values.shape[1]):
        channel = values[:, column].astype(np.float64)
        finite = np.isfinite(channel)
        if finite.any():
            out[:, column] = np.interp(target, source[finite], channel[finite])
        else:
            out[:, column] = np.nan  # nothing to interpolate; the NaN policy decides
    return out


def znormalise(values: np.ndarray) -> np.ndarray:
    """Every indicator of one series to mean 0, std 1 over its finite points (UCR)."""
    if not len(values):
        return values
    data = values.astype(np.float64)
    finite = np.isfinite(data)
    counts = finite.sum(axis=0)
    safe = np.where(finite, data, 0.0)
    mean = np.divide(safe.sum(axis=0), counts, out=np.zeros(data.shape[1]), where=counts > 0)
    centred = np.where(finite, data - mean, 0.0)
    var = np.divide((centred**2).sum(axis=0), counts, out=np.zeros(data.shape[1]), where=counts > 0)
    std = np.sqrt(var)
    scale = np.where(std > 0, std, 1.0)
    out = np.where(finite, (data - mean) / scale, data)  # NaN/inf stay for the NaN policy
    return out.astype(values.dtype)


def apply_scaler(series: Sequence[np.ndarray], params: dict[str, Any]) -> list[np.ndarray]:
    """Scale each series with per-indicator ``center``/``scale`` (``method: none``: as is)."""
    if params.get("method", "none") == "none":
        return list(series)
    center = np.asarray(params["center"], dtype=np.float32)
    scale = np.asarray(params["scale"], dtype=np.float32)
    return [((s - center) / scale).astype(np.float32) for s in series]


def replace_non_finite(series: Sequence[np.ndarray], value: float) -> list[np.ndarray]:
    """NaN/inf -> ``value`` (the padding value), copying only series that contain any."""
    out = []
    for values in series:
        bad = ~np.isfinite(values)
        if bad.any():
            values = values.copy()
            values[bad] = value
        out.append(values)
    return out


def shape_series(
    series: Sequence[np.ndarray], length_policy: dict[str, Any], normalisation: str
) -> list[np.ndarray]:
    """Steps 1-2 (what is decided before the scaler is fitted on the training split)."""
    policy = str(length_policy.get("policy", "none"))
    max_length = length_policy.get("max_length")
    if normalisation not in SERIES_NORMALISATIONS:
        raise ValueError(
            f"unknown series_normalisation {normalisation!r}; expected {SERIES_NORMALISATIONS}"
        )
    out = [limit_length(s, policy, max_length) for s in series]
    if normalisation == "zscore":
        out = [znormalise(s) for s in out]
    return out


def apply_preprocessing(
    series: Sequence[np.ndarray], preprocessing: dict[str, Any]
) -> list[np.ndarray]:
    """Raw (time, indicators) float series -> what the model was trained on, before padding.

    ``preprocessing`` is the dataset metadata's section of the same name.
    """
    shaped = shape_series(
        [np.asarray(s, dtype=np.float32) for s in series],
        preprocessing.get("length", {}),
        str(preprocessing.get("series_normalisation", "none")),
    )
    scaled = apply_scaler(shaped, preprocessing.get("scaling", {"method": "none"}))
    non_finite = preprocessing.get("non_finite", {})
    if non_finite.get("replaced_by") is not None:
        scaled = replace_non_finite(scaled, float(non_finite["replaced_by"]))
    return scaled
