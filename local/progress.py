"""What the local engine shows while it works: the runner's task table, the tuner's trial bar.

The runner talks to an ``Observer``; a terminal gets a live table, anything else (CI logs,
tests) gets one line per state change, so output stays readable when redirected. The tuner
gets a rich progress bar plus one line per finished trial (:class:`TrialProgress`). rich is
imported only when something is drawn: the tune step runs the local tuner without a display.
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from ideko.local.runner.state import (
    FAILED,
    INTERRUPTED,
    NOT_RUN,
    RETRYING,
    RUNNING,
    SKIPPED,
    SUCCEEDED,
    TaskRecord,
)

if TYPE_CHECKING:
    from ideko.local.katib.trial import TrialResult
    from ideko.runtime.katib.experiment import ExperimentPlan
    from rich.console import Console
    from rich.live import Live
    from rich.table import Table

TASK_STYLE = {
    SUCCEEDED: "green",
    FAILED: "bold red",
    RUNNING: "cyan",
    RETRYING: "yellow",
    SKIPPED: "dim",
    NOT_RUN: "dim red",
    INTERRUPTED: "magenta",
}


class Observer(Protocol):
    def start(self, run_id: str, records: dict[str, TaskRecord]) -> None: ...

    def update(self, path: str, record: TaskRecord) -> None: ...

    def stop(self) -> None: ...


def state_label(record: TaskRecord) -> str:
    if record.state == SUCCEEDED and record.cached:
        return "cached"
    if record.state == SUCCEEDED and record.resumed:
        return "done (resumed)"
    return record.state


def summary_table(records: dict[str, TaskRecord], title: str = "") -> Table:
    """Task, state, attempts, cached?, duration: one row per container task."""
    from rich import box
    from rich.table import Table

    # Light borders and an uncut task column: task paths are what users look up in the logs.
    table = Table(
        title=title or None,
        show_lines=False,
        box=box.SIMPLE_HEAD,
        show_edge=False,
        collapse_padding=True,
    )
    widest = max((len(path) for path in records), default=4)
    table.add_column("task", no_wrap=True, min_width=widest)
    for column in ("state", "attempts", "cached", "duration"):
        table.add_column(column, justify="right" if column in ("attempts", "duration") else "left")
    for path, record in records.items():
        style = TASK_STYLE.get(record.state, "")
        table.add_row(
            path,
            f"[{style}]{state_label(record)}[/]" if style else state_label(record),
            str(record.attempts),
            "yes" if record.cached else "",
            f"{record.duration:.1f}s" if record.started else "",
        )
    return table


class LiveProgress:
    """A rich Live table refreshed on every state change."""

    def __init__(self, console: Console | None = None) -> None:
        from rich.console import Console

        self.console = console or Console(stderr=True)
        self._records: dict[str, TaskRecord] = {}
        self._live: Live | None = None
        self._run_id = ""

    def start(self, run_id: str, records: dict[str, TaskRecord]) -> None:
        from rich.live import Live

        self._run_id = run_id
        self._records = records
        self._live = Live(
            summary_table(records, run_id),
            console=self.console,
            refresh_per_second=4,
            transient=True,  # the final summary table replaces it
        )
        self._live.start()

    def update(self, path: str, record: TaskRecord) -> None:
        self._records[path] = record
        if self._live is not None:
            self._live.update(summary_table(self._records, self._run_id))

    def stop(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None


class LineProgress:
    """One line per state change (non-interactive output)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr

    def start(self, run_id: str, records: dict[str, TaskRecord]) -> None:
        print(f"run {run_id}: {len(records)} tasks", file=self.stream, flush=True)

    def update(self, path: str, record: TaskRecord) -> None:
        extra = f" (attempt {record.attempts})" if record.state in (RUNNING, RETRYING) else ""
        print(f"  {path}: {state_label(record)}{extra}", file=self.stream, flush=True)

    def stop(self) -> None:
        return None


def default_observer() -> Observer:
    return LiveProgress() if sys.stderr.isatty() else LineProgress()


TRIAL_STYLE = {
    "Succeeded": "green",
    "EarlyStopped": "yellow",
    "Failed": "red",
    "MetricsUnavailable": "red",
    "Killed": "magenta",
}


class TrialProgress:
    """Shows trials done / maxTrialCount, active trials and the best value so far (stderr).

    Without the bar, ``log_lines`` still prints one plain line per finished trial (the
    pipeline's tune step uses it so the trials show up in the step's log).
    """

    def __init__(self, plan: ExperimentPlan, enabled: bool, log_lines: bool = False) -> None:
        self.plan, self.enabled, self.log_lines = plan, enabled, log_lines
        self.best: float | None = None
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> TrialProgress:
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

        style = TRIAL_STYLE.get(trial.state, "white")
        self._bar.console.print(
            f"[{style}]{trial.state:<18}[/] {escape(trial.name)} {trial.seconds:6.1f}s{shown}  "
            + escape(f"{params}{note}"),
            markup=True,
            highlight=False,
        )
