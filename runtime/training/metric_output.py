"""The train step's stdout: one metric line per epoch and a final one, and the HPO score.

The line format and the filter Katib's StdOut collector reads it with live in
:mod:`ideko.schema.metric_lines`; training prints nothing else on stdout. Katib collects only
the metric names an Experiment lists; per-epoch lines (``epoch=3 ... validation_accuracy=0.81
score=…``) feed median-stop early stopping, and the final line (best ``validation_accuracy``,
``training_time``, ``score``) comes last.

Metric strategies: Katib's defaulting webhook gives every metric ``max`` when the objective is
``maximize`` (``min`` for ``minimize``) unless ``objective.metricStrategies`` says otherwise.
``max`` is right for ``validation_accuracy`` (the best epoch, which the checkpoint keeps) and
for ``training_time`` (it only grows); for ``score`` it would pick an early epoch's score with
less time spent, so Experiments should set ``latest`` for every metric: the final line then
gives exactly the values the run ended with.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any, TextIO

from ideko.schema.defaults import default_of
from ideko.schema.metric_lines import KATIB_FILTER, format_value, metric_line

__all__ = ["KATIB_FILTER", "emit", "format_value", "metric_line", "parse_score_weights", "score"]

SCORE_KEYS: tuple[str, ...] = ("validation_accuracy", "training_time")
_TIME_REFERENCE: float = default_of("scoreWeights", "time_reference_seconds")


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
        value = weights.get(key, _TIME_REFERENCE if key == "time_reference_seconds" else None)
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
