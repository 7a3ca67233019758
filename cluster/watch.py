"""Follow a KFP run until it ends, printing the run's and each task's state as they change.

KFP v2beta1 reports ``state`` on the run and on every task in ``run_details.task_details``;
the run is over in SUCCEEDED, SKIPPED, FAILED or CANCELED (kfp's own
``wait_for_run_completion`` misses CANCELED and prints nothing meanwhile).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ideko.cluster.errors import SubmitError
from ideko.cluster.retry import Retry, explain
from ideko.runtime.katib.api import is_api_error

EXIT_STATUS = {"SUCCEEDED": 0, "SKIPPED": 0, "FAILED": 1, "CANCELED": 1}


@dataclass(frozen=True)
class RunEnd:
    state: str  # a key of EXIT_STATUS, or TIMEOUT
    error: str  # the run's error message, if KFP gave one

    @property
    def exit_status(self) -> int:
        return EXIT_STATUS.get(self.state, 1)


@dataclass
class RunWatcher:
    client: Any  # kfp.Client
    out: Callable[[str], None] = print
    poll_seconds: float = 5.0
    timeout_seconds: float | None = None
    retry: Retry = field(default_factory=Retry)
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep

    def wait(self, run_id: str) -> RunEnd:
        seen: dict[str, str] = {}
        deadline = None if self.timeout_seconds is None else self.clock() + self.timeout_seconds
        while True:
            try:
                run = self.retry.call(
                    lambda: self.client.get_run(run_id), log=self.out, what="reading the run"
                )
            except Exception as exc:
                if not is_api_error(exc):
                    raise
                raise SubmitError(f"lost track of run {run_id}: {explain(exc)}") from None
            state = str(run.state or "PENDING")
            self._report("run", state, seen)
            for task in (run.run_details.task_details if run.run_details else None) or []:
                self._report(
                    f"  {task.display_name or task.task_id}", str(task.state or "PENDING"), seen
                )
            if state in EXIT_STATUS:
                error = run.error.message if run.error is not None and run.error.message else ""
                return RunEnd(state, error or "")
            if deadline is not None and self.clock() >= deadline:
                return RunEnd("TIMEOUT", f"still {state} after {self.timeout_seconds:g}s")
            self.sleep(self.poll_seconds)

    def _report(self, name: str, state: str, seen: dict[str, str]) -> None:
        if seen.get(name) != state:
            seen[name] = state
            self.out(f"{name}: {state}")
