"""Katib StdOut metric lines and the HPO score.

Katib's default metrics filter is ``([\\w|-]+)\\s*=\\s*([+-]?\\d*(\\.\\d+)?([Ee][+-]?\\d+)?)``: it
reads every ``name=number`` on stdout, so training prints nothing else there. The filter
also matches ``name=`` followed by no number (``loss=nan``), so non-finite values are left
out of a line rather than printed. Katib collects only the metric names an Experiment lists;
per-epoch lines (``epoch=3 ... validation_accuracy=0.81 score=…``) feed median-stop early
stopping, and the final line (best ``validation_accuracy``, ``training_time``, ``score``) comes
last.

Metric strategies: Katib's defaulting webhook gives every metric ``max`` when the objective is
``maximize`` (``min`` for ``minimize``) unless ``objective.metricStrategies`` says otherwise.
``max`` is right for ``validation_accuracy`` (the best epoch, which the checkpoint keeps) and
for ``training_time`` (it only grows); for ``score`` it would pick an early epoch's score with
less time spent, so Experiments should set ``latest`` for every metric: the final line then
gives exactly the values the run ended with.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Mapping
from typing import Any, TextIO

KATIB_FILTER = re.compile(r"([\w|-]+)\s*=\s*([+-]?\d*(\.\d+)?([Ee][+-]?\d+)?)")
SCORE_KEYS: tuple[str, ...] = ("validation_accuracy", "training_time")


def format_value(value: float) -> str:
    """A number Katib's filter reads back exactly enough (6 significant digits)."""
    return format(float(value), ".6g")


def metric_line(values: Mapping[str, float]) -> str | None:
    """``name=value`` pairs separated by spaces; ``None`` when no value is finite."""
    parts = [
        f"{name}={format_value(value)}"
        for name, value in values.items()
        if value is not None and math.isfinite(float(value))
    ]
    return " ".join(parts) if parts else None


def emit(values: Mapping[str, float], stream: TextIO | None = None) -> None:
    """Print one metric line to stdout (or ``stream``) and flush it for the collector."""
    line = metric_line(values)
    if line is not None:
        out = stream if stream is not None else sys.stdout
        out.write(line + "\n")
        out.flush()


def parse_score_weights(weights: Mapping[str, Any]) -> dict[str, float]:
    """Validate ``{validation_accuracy, training_time, time_reference_seconds}`` weights."""
    out: dict[str, float] = {}
    for key in (*SCORE_KEYS, "time_reference_seconds"):
        value = weights.get(key, 60.0 if key == "time_reference_seconds" else None)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"score weights: {key} must be a number")
        out[key] = float(value)
    unknown = sorted(set(weights) - set(out))
    if unknown:
        raise ValueError(f"score weights: unknown key(s) {', '.join(unknown)}")
    if out["time_reference_seconds"] <= 0:
        raise ValueError("score weights: time_reference_seconds must be > 0")
    return out


def score(validation_accuracy: float, training_time: float, weights: Mapping[str, float]) -> float:
    """``w_acc * validation_accuracy - w_time * training_time / time_reference_seconds``."""
    return weights["validation_accuracy"] * validation_accuracy - (
        weights["training_time"] * training_time / weights["time_reference_seconds"]
    )
