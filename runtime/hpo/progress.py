"""The tuner's progress display: a rich progress bar plus one line per finished trial."""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Any

from ideko.runtime.hpo.experiment import ExperimentPlan
from ideko.runtime.hpo.trial import TrialResult

STATE_STYLE = {
    "Succeeded": "green",
    "EarlyStopped": "yellow",
    "Failed": "red",
    "MetricsUnavailable": "red",
    "Killed": "magenta",
}


class Progress:
    """Shows trials done / maxTrialCount, active trials and the best value so far (stderr).

    Without the bar, ``log_lines`` still prints one plain line per finished trial (the
    pipeline's tune step uses it so the trials show up in the step's log).
    """

    def __init__(self, plan: ExperimentPlan, enabled: bool, log_lines: bool = False) -> None:
        self.plan, self.enabled, self.log_lines = plan, enabled, log_lines
        self.best: float | None = None
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> Progress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[status]}"),
                TimeElapsedColumn(),
                console=Console(stderr=True),
            )
            self._bar.__enter__()
            self._task = self._bar.add_task(
                f"tune {self.plan.name}", total=self.plan.max_trial_count, status=""
            )
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.__exit__(exc_type, exc, tb)

    def update(self, trials: list[TrialResult], active: int) -> None:
        """Refresh the bar: completed trials, active ones and the best objective."""
        if self._bar is None:
            return
        done = sum(1 for t in trials if t.state not in ("Created", "Running"))
        best = "-" if self.best is None else f"{self.best:.4g}"
        self._bar.update(
            self._task,
            completed=done,
            status=f"running {active}  best {self.plan.objective.metric}={best}",
        )

    def finished(self, trial: TrialResult, value: float | None) -> None:
        """Print one line for a trial that just ended."""
        objective = self.plan.objective
        if value is not None and (self.best is None or objective.better(value, self.best)):
            self.best = value
        shown = "" if value is None else f" {objective.metric}={value:.4g}"
        params = " ".join(f"{k}={v}" for k, v in trial.assignments.items())
        note = f" ({trial.message})" if trial.message and trial.state != "Succeeded" else ""
        if self._bar is None:
            if self.log_lines:
                line = f"{trial.state} {trial.name} {trial.seconds:.1f}s{shown}  {params}{note}"
                print(line, file=sys.stderr, flush=True)
            return
        from rich.markup import escape

        style = STATE_STYLE.get(trial.state, "white")
        self._bar.console.print(
            f"[{style}]{trial.state:<18}[/] {escape(trial.name)} {trial.seconds:6.1f}s{shown}  "
            + escape(f"{params}{note}"),
            markup=True,
            highlight=False,
        )
