"""Series out of the two request shapes KServe decodes: v1 ``instances`` and v2 ``inputs``.

A series is raw sensor data: points x indicators, any length up to the model's. Two ways to
name the indicators, in both protocols:

- **positional**: every point lists the model's indicators in the model's order
  (v1: an instance is ``[[f3, f4, f5], ...]``; v2: one input ``series`` of shape
  ``[batch, points, indicators]``);
- **by name**: one array per indicator (v1: an instance is ``{"f3": [...], "f4": [...]}``;
  v2: one input per indicator, shape ``[batch, points]``); columns the model does not use
  are left out, as the preprocess step keeps only the configured indicators.

A v2 tensor is rectangular, so a batch of series of different lengths adds an input
``lengths`` (``[batch]``, integer): the points of series *i* are its first ``lengths[i]``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from ideko.runtime.serving.preprocessing import InputError

SERIES_INPUT = "series"
LENGTHS_INPUT = "lengths"
NUMERIC_DATATYPES = ("FP16", "FP32", "FP64", "INT8", "INT16", "INT32", "INT64",
                     "UINT8", "UINT16", "UINT32", "UINT64")


def _array(values: Any, where: str) -> np.ndarray:
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{where} must hold numbers only, with one value per indicator "
                         f"at every point ({exc})") from None


def _named(columns: Mapping[str, Any], indicators: Sequence[str], where: str) -> np.ndarray:
    missing = [name for name in indicators if name not in columns]
    if missing:
        raise InputError(f"{where} lacks indicator(s) {', '.join(missing)}; this model takes "
                         f"{', '.join(indicators)}")
    arrays = [_array(columns[name], f"{where}.{name}") for name in indicators]
    if any(a.ndim != 1 for a in arrays):
        raise InputError(f"{where}: each indicator must be a flat list of values")
    lengths = {len(a) for a in arrays}
    if len(lengths) > 1:
        raise InputError(f"{where}: the indicators have different lengths {sorted(lengths)}")
    return np.stack(arrays, axis=1) if arrays else np.zeros((0, 0))


def v1_series(body: Any, indicators: Sequence[str]) -> list[np.ndarray]:
    """``{"instances": [series, ...]}`` -> one (points, indicators) array per series."""
    if not isinstance(body, dict) or "instances" not in body:
        raise InputError('expected a JSON object {"instances": [series, ...]}')
    instances = body["instances"]
    if not isinstance(instances, list):
        raise InputError('"instances" must be a list of series')
    out = []
    for index, instance in enumerate(instances):
        where = f"instance {index}"
        if isinstance(instance, dict):
            out.append(_named(instance, indicators, where))
            continue
        values = _array(instance, where)
        if values.ndim == 1 and values.size == 0:
            values = values.reshape(0, len(indicators))
        out.append(values)
    return out


def _input_array(infer_input: Any) -> np.ndarray:
    if infer_input.datatype not in NUMERIC_DATATYPES:
        raise InputError(f"input {infer_input.name!r} has datatype {infer_input.datatype}; "
                         f"send numbers ({', '.join(('FP32', 'FP64', 'INT64'))})")
    try:
        return np.asarray(infer_input.as_numpy(), dtype=np.float64)
    except ValueError as exc:  # data and shape disagree
        raise InputError(f"input {infer_input.name!r}: data does not fit shape "
                         f"{list(infer_input.shape)} ({exc})") from None


def _cut(batch: np.ndarray, lengths: np.ndarray | None) -> list[np.ndarray]:
    if lengths is None:
        return list(batch)
    if lengths.shape != (len(batch),):
        raise InputError(f"input {LENGTHS_INPUT!r} must have one entry per series "
                         f"({len(batch)}), got shape {list(lengths.shape)}")
    points = batch.shape[1]
    if (lengths < 0).any() or (lengths > points).any() or (lengths != np.floor(lengths)).any():
        raise InputError(f"input {LENGTHS_INPUT!r} must hold whole numbers between 0 and "
                         f"{points}")
    return [series[: int(n)] for series, n in zip(batch, lengths, strict=True)]


def v2_series(inputs: Sequence[Any], indicators: Sequence[str]) -> list[np.ndarray]:
    """Open Inference Protocol inputs (kserve ``InferInput``) -> one array per series."""
    by_name = {item.name: item for item in inputs}
    if len(by_name) != len(inputs):
        raise InputError("two inputs have the same name")
    lengths = _input_array(by_name.pop(LENGTHS_INPUT)) if LENGTHS_INPUT in by_name else None
    if SERIES_INPUT in by_name:
        others = sorted(set(by_name) - {SERIES_INPUT})
        if others:
            raise InputError(f"send either input {SERIES_INPUT!r} or one input per indicator, "
                             f"not both (also got {', '.join(others)})")
        batch = _input_array(by_name[SERIES_INPUT])
        if batch.ndim != 3:
            raise InputError(f"input {SERIES_INPUT!r} must have shape [batch, points, "
                             f"indicators], got {list(batch.shape)}")
        return _cut(batch, lengths)
    if not by_name:
        raise InputError(f"no inputs: send {SERIES_INPUT!r} [batch, points, indicators] or "
                         f"one input per indicator ({', '.join(indicators)})")
    missing = [name for name in indicators if name not in by_name]
    if missing:
        raise InputError(f"missing input(s) {', '.join(missing)}: this model takes "
                         f"{', '.join(indicators)} (or one input {SERIES_INPUT!r})")
    columns = [_input_array(by_name[name]) for name in indicators]
    shapes = {c.shape for c in columns}
    if len(shapes) > 1 or columns[0].ndim != 2:
        raise InputError(f"the indicator inputs must share one shape [batch, points], got "
                         f"{sorted(list(s) for s in shapes)}")
    return _cut(np.stack(columns, axis=2), lengths)
