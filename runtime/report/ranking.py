"""Ranking and selection: the spec's weighted criteria over every evaluated model.

Each criterion is min-max normalised across the models (``minimize`` goals inverted, so 1 is
always best; a criterion on which all models tie gives everyone 1), weighted and summed.
Ties in the total are broken by model name, so the choice is deterministic. The metric
names, the summary field each reads and its direction are ``ideko.schema.selection_metrics``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ideko.schema.selection_metrics import FIELD_OF, field_goal, summary_field


class SelectionError(ValueError):
    """A selection or promotion config that cannot be applied to these evaluations."""


@dataclass(frozen=True)
class Criterion:
    metric: str  # as written in the spec
    key: str  # summary key
    weight: float
    goal: str  # maximize | minimize


@dataclass(frozen=True)
class RankedModel:
    rank: int
    name: str
    score: float
    values: dict[str, float]  # summary key -> raw value
    normalised: dict[str, float]  # summary key -> [0, 1], 1 best


def metric_key(metric: str) -> str:
    """The evaluation summary key of a criterion/promotion metric name."""
    field = summary_field(metric)
    if field is None:
        raise SelectionError(f"unknown metric {metric!r}; use one of {', '.join(sorted(FIELD_OF))}")
    return field


def parse_criteria(selection_config: Mapping[str, Any]) -> list[Criterion]:
    """Validate ``{criteria: [{metric, weight, goal?}]}``; goal defaults from the metric."""
    raw = selection_config.get("criteria")
    if not isinstance(raw, list) or not raw:
        raise SelectionError("selection_config.criteria must be a non-empty list")
    out = []
    for index, item in enumerate(raw):
        if not isinstance(item, Mapping):
            raise SelectionError(f"selection_config.criteria.{index} must be an object")
        key = metric_key(str(item.get("metric")))
        weight = item.get("weight", 1.0)
        if isinstance(weight, bool) or not isinstance(weight, int | float) or weight < 0:
            raise SelectionError(f"selection_config.criteria.{index}.weight must be a number >= 0")
        goal = item.get("goal") or field_goal(key)
        if goal not in ("maximize", "minimize"):
            raise SelectionError(
                f"selection_config.criteria.{index}.goal must be maximize or minimize"
            )
        out.append(Criterion(str(item["metric"]), key, float(weight), goal))
    return out


def rank_models(
    summaries: Mapping[str, Mapping[str, float]], criteria: Sequence[Criterion]
) -> list[RankedModel]:
    """Rank models (name -> evaluation summary) best first."""
    if not summaries:
        raise SelectionError("there are no evaluated models to compare")
    names = sorted(summaries)
    normalised: dict[str, dict[str, float]] = {name: {} for name in names}
    for criterion in criteria:
        values = {}
        for name in names:
            if criterion.key not in summaries[name]:
                raise SelectionError(f"model {name!r} has no {criterion.key!r} metric")
            values[name] = float(summaries[name][criterion.key])
        low, high = min(values.values()), max(values.values())
        for name, value in values.items():
            scaled = 1.0 if high == low else (value - low) / (high - low)
            normalised[name][criterion.key] = (
                scaled if criterion.goal == "maximize" else 1.0 - scaled
            )
    scores = {name: sum(c.weight * normalised[name][c.key] for c in criteria) for name in names}
    order = sorted(names, key=lambda name: (-scores[name], name))
    return [
        RankedModel(
            rank=position + 1,
            name=name,
            score=scores[name],
            values={c.key: float(summaries[name][c.key]) for c in criteria},
            normalised=normalised[name],
        )
        for position, name in enumerate(order)
    ]


def passes_promotion(summary: Mapping[str, float], promotion_config: Mapping[str, Any]) -> bool:
    """True when ``promotion_config`` is ``{}`` or the metric reaches the threshold."""
    if not promotion_config:
        return True
    key = metric_key(str(promotion_config.get("metric")))
    threshold = promotion_config.get("threshold")
    if isinstance(threshold, bool) or not isinstance(threshold, int | float):
        raise SelectionError("promotion_config.threshold must be a number")
    if key not in summary:
        raise SelectionError(f"the selected model has no {key!r} metric")
    value = float(summary[key])
    return value <= threshold if field_goal(key) == "minimize" else value >= threshold
