"""Live progress of task states (rich) and the end-of-run summary table.

The runner talks to an ``Observer``; a terminal gets a live table, anything else (CI logs,
tests) gets one line per state change, so output stays readable when redirected.
"""

from __future__ import annotations

import sys
from typing import Protocol, TextIO

from ideko.runtime.runner.state import (
    FAILED,
    INTERRUPTED,
    NOT_RUN,
    RETRYING,
    RUNNING,
    SKIPPED,
    SUCCEEDED,
    TaskRecord,
)
from rich import box
from rich.console import Console
from rich.live import Live
from rich.table import Table

_STYLE = {
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
        style = _STYLE.get(record.state, "")
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
        self.console = console or Console(stderr=True)
        self._records: dict[str, TaskRecord] = {}
        self._live: Live | None = None
        self._run_id = ""

    def start(self, run_id: str, records: dict[str, TaskRecord]) -> None:
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
