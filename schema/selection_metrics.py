"""The selection metrics: each name a criterion may use, the evaluation field it reads, its goal.

The spec's ``criterion.metric`` enum is exactly these names and ``conditions.promotion.metric``
exactly the maximised (quality) ones (``tests/schema/test_schema_selection_metrics.py`` checks
both against ``ideko.schema.json``). The evaluate step writes the fields into each evaluation's
``summary`` (in this order); the compare step ranks and gates on them. A cost (time, size,
latency) is minimised; a criterion's default goal and the promotion comparison follow it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Goal = Literal["maximize", "minimize"]


@dataclass(frozen=True)
class SelectionMetric:
    """One row: ``field`` is the evaluation summary key the metric reads."""

    field: str
    goal: Goal


SELECTION_METRICS: dict[str, SelectionMetric] = {
    "accuracy": SelectionMetric("accuracy", "maximize"),
    "macro_precision": SelectionMetric("macro_precision", "maximize"),
    "macro_recall": SelectionMetric("macro_recall", "maximize"),
    "macro_f1": SelectionMetric("macro_f1", "maximize"),
    "training_time": SelectionMetric("training_time", "minimize"),
    "model_size": SelectionMetric("model_size_bytes", "minimize"),
    "inference_latency": SelectionMetric("inference_latency_ms", "minimize"),
}

# A floor on a cost is not a promotion rule: only quality metrics gate promotion.
PROMOTION_METRICS: tuple[str, ...] = tuple(
    name for name, metric in SELECTION_METRICS.items() if metric.goal == "maximize"
)
# The evaluation summary's keys, in the order the evaluate step logs them.
SUMMARY_FIELDS: tuple[str, ...] = tuple(metric.field for metric in SELECTION_METRICS.values())
# A hand-written selection/promotion config may also name the summary field itself.
FIELD_OF: dict[str, str] = {
    **{name: metric.field for name, metric in SELECTION_METRICS.items()},
    **{metric.field: metric.field for metric in SELECTION_METRICS.values()},
}
MINIMIZED_FIELDS: frozenset[str] = frozenset(
    metric.field for metric in SELECTION_METRICS.values() if metric.goal == "minimize"
)
MINIMIZED_NAMES: frozenset[str] = frozenset(
    name for name, metric in SELECTION_METRICS.items() if metric.goal == "minimize"
)


def summary_field(metric: str) -> str | None:
    """The evaluation summary key of a criterion/promotion metric (``None``: not one)."""
    return FIELD_OF.get(metric)


def field_goal(field: str) -> Goal:
    """The direction of an evaluation summary field: costs are minimised."""
    return "minimize" if field in MINIMIZED_FIELDS else "maximize"
