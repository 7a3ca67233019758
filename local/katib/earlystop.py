"""Katib's medianstop early stopping, as Katib's code actually behaves.

Katib splits it in two and so does this module.

**Rule creation** (``pkg/earlystopping/v1beta1/medianstop/service.py``,
``GetEarlyStoppingRules``/``get_median_value``), done when a trial is *created*: for every
trial that has *Succeeded* (early-stopped, failed and killed trials are not used), average
its first ``start_step`` reported objective values. Once at least ``min_trials_required``
such trials exist, the new trial gets the rule ``objective < threshold`` (maximize) or
``objective > threshold`` (minimize) with ``start_step``; before that it gets no rule and
always runs to the end. Despite the algorithm's name, Katib's threshold is the arithmetic
**mean** of those per-trial averages (``sum(values) / len(values)``), not their median; we
reproduce that so a local run stops the same trials a cluster run would.

**Rule evaluation** (the metrics collector sidecar, ``updateStopRules`` in
``cmd/metricscollector/v1beta1/file-metricscollector``): each objective report of the
running trial updates its best value so far (max when maximising, min when minimising) and
counts down ``start_step``. The rule is compared exactly once, at the ``start_step``-th
objective report (the countdown is never reset, so later reports are not compared): if the
best value so far is strictly worse than the threshold, the trial is stopped at once and
becomes ``EarlyStopped`` with the metrics it reported.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class StopRule:
    metric: str
    threshold: float  # Katib's "median": mean of the succeeded trials' early averages
    comparison: str  # "less" (maximize: stop when below) or "greater" (minimize)
    start_step: int


def median_rule(
    succeeded_objective_values: Sequence[Sequence[float]],
    *,
    metric: str,
    objective_type: str,
    min_trials_required: int,
    start_step: int,
) -> StopRule | None:
    """The rule a new trial gets, given each succeeded trial's objective reports in order."""
    averages = [
        statistics.fmean(values[:start_step]) for values in succeeded_objective_values if values
    ]
    if len(averages) < min_trials_required:
        return None
    comparison = "less" if objective_type == "maximize" else "greater"
    return StopRule(metric, statistics.fmean(averages), comparison, start_step)


class RuleWatcher:
    """Follows one running trial's objective reports and says when its stop rule fires."""

    def __init__(self, rule: StopRule) -> None:
        self.rule = rule
        self.reports = 0
        self.best: float | None = None

    def report(self, value: float) -> bool:
        """Record one objective report; True when the trial must be stopped now."""
        rule = self.rule
        if self.best is None:
            self.best = value
        elif rule.comparison == "less":
            self.best = max(self.best, value)
        else:
            self.best = min(self.best, value)
        self.reports += 1
        if self.reports != rule.start_step:
            return False
        if rule.comparison == "less":
            return self.best < rule.threshold
        return self.best > rule.threshold
