"""The metric-line format: what the train step prints and Katib's StdOut collector reads.

Katib's default metrics filter (``pkg/metricscollector/v1beta1/common/const.go``) reads every
``name=number`` on stdout, so training prints nothing else there. The filter also matches
``name=`` followed by no number (``loss=nan``), so non-finite values are left out of a line.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping

from ideko.schema.selection_metrics import MINIMIZED_NAMES, Goal

KATIB_DEFAULT_FILTER = r"([\w|-]+)\s*=\s*([+-]?\d*(\.\d+)?([Ee][+-]?\d+)?)"
KATIB_FILTER = re.compile(KATIB_DEFAULT_FILTER)

# Costs (the minimised selection metrics; ``training_time`` is also a Katib objective) are
# minimised. Every other metric (accuracy, macro_f1, validation_accuracy, score) is maximised.
MINIMIZED_METRICS: frozenset[str] = MINIMIZED_NAMES


def metric_goal(metric: str) -> Goal:
    """Costs are minimised, quality metrics maximised."""
    return "minimize" if metric in MINIMIZED_METRICS else "maximize"


def format_value(value: float) -> str:
    """A number Katib's filter reads back exactly enough (6 significant digits)."""
    return format(float(value), ".6g")


def metric_line(values: Mapping[str, float | None]) -> str | None:
    """``name=value`` pairs separated by spaces; ``None`` when no value is finite."""
    parts = [
        f"{name}={format_value(value)}"
        for name, value in values.items()
        if value is not None and math.isfinite(float(value))
    ]
    return " ".join(parts) if parts else None


def metric_matches(
    line: str, pattern: re.Pattern[str] = KATIB_FILTER
) -> Iterator[tuple[str, float]]:
    """Every ``(name, value)`` a Katib filter finds on ``line``, in order, as the collector
    reads them: group 1 the name, group 2 the value; a value that is not a finite number is
    left out (Katib would store it as a string no objective can use)."""
    for match in pattern.finditer(line):
        try:
            value = float(match.group(2).strip())
        except ValueError:
            continue
        if math.isfinite(value):
            yield match.group(1).strip(), value


def parse_metric_line(line: str, pattern: re.Pattern[str] = KATIB_FILTER) -> dict[str, float]:
    """``{name: value}`` as Katib's StdOut collector reads one line (values that parse)."""
    return dict(metric_matches(line, pattern))
