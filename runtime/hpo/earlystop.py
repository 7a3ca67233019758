"""Katib's medianstop early stopping, split the way Katib splits it.

**Rule creation** (Katib's ``pkg/earlystopping/v1beta1/medianstop/service.py``), done when a
trial is *created*: for every trial that has *Succeeded* (early-stopped, failed and killed
trials are not used), average its first ``start_step`` reported objective values. Once at
least ``min_trials_required`` such trials exist, the new trial gets the rule
``objective < median`` (maximize) or ``objective > median`` (minimize) with ``start_step``;
before that, it gets no rule and always runs to the end.

**Rule evaluation** (Katib's file metrics collector, ``updateStopRules``): each objective
report of the running trial updates its best value so far (max when maximising, min when
minimising). Reports before the ``start_step``-th are only counted; from the
``start_step``-th report on, the trial is stopped as soon as its *best value so far* compares
with the median as the rule says. A stopped trial is ``EarlyStopped`` and keeps the
metrics it reported.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class StopRule:
    metric: str
    median: float
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
    return StopRule(metric, statistics.median(averages), comparison, start_step)


class RuleWatcher:
    """Follows one running trial's reports and says when its stop rule fires."""

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
        if self.reports < rule.start_step:
            return False
        if rule.comparison == "less":
            return self.best < rule.median
        return self.best > rule.median
