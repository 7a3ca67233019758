"""The train step's metric lines: Katib's default filter reads exactly the values we mean."""

from __future__ import annotations

import io

import pytest
from ideko.runtime.training import metric_output

# Katib's default StdOut filter (pkg/metricscollector/v1beta1/common/const.go).
DEFAULT_FILTER = r"([\w|-]+)\s*=\s*([+-]?\d*(\.\d+)?([Ee][+-]?\d+)?)"


def parsed(line: str) -> dict[str, float]:
    import re

    return {m.group(1): float(m.group(2)) for m in re.finditer(DEFAULT_FILTER, line)}


def test_filter_constant_is_katibs():
    assert metric_output.KATIB_FILTER.pattern == DEFAULT_FILTER


def test_line_round_trips_through_the_filter():
    values = {"validation_accuracy": 0.9333333, "training_time": 12.4, "score": -1.5e-7}
    line = metric_output.metric_line(values)
    assert line == "validation_accuracy=0.933333 training_time=12.4 score=-1.5e-07"
    assert parsed(line) == pytest.approx(values, rel=1e-5)


def test_non_finite_values_are_left_out():
    line = metric_output.metric_line({"loss": float("nan"), "accuracy": 0.5, "x": float("inf")})
    assert line == "accuracy=0.5"
    assert metric_output.metric_line({"loss": float("nan")}) is None
    stream = io.StringIO()
    metric_output.emit({"loss": float("nan")}, stream)
    assert stream.getvalue() == ""


def test_score_weights_and_formula():
    weights = metric_output.parse_score_weights({"validation_accuracy": 0.9, "training_time": 0.1})
    assert weights["time_reference_seconds"] == 60.0
    assert metric_output.score(0.8, 30.0, weights) == pytest.approx(0.9 * 0.8 - 0.1 * 0.5)
    with pytest.raises(ValueError, match="unknown"):
        metric_output.parse_score_weights(
            {"validation_accuracy": 1, "training_time": 0, "speed": 1}
        )
    with pytest.raises(ValueError, match="time_reference_seconds"):
        metric_output.parse_score_weights(
            {"validation_accuracy": 1, "training_time": 0, "time_reference_seconds": 0}
        )
