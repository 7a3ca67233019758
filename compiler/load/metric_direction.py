"""Which way a metric is better: the default goal of selection criteria and HPO objectives."""

from __future__ import annotations

MINIMIZED_METRICS = frozenset({"training_time", "model_size", "inference_latency"})


def metric_goal(metric: str) -> str:
    """Costs are minimised, quality metrics maximised."""
    return "minimize" if metric in MINIMIZED_METRICS else "maximize"
