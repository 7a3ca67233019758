"""One attempt of a task as a process in its own process group: a log file, an optional
timeout, and the engine's one stop (SIGTERM, then SIGKILL) on timeout or Ctrl-C.
"""

from __future__ import annotations

import time
from collections import deque
from pathlib import Path

from ideko.local.launch.launcher import FreshProcess, Launched, Launcher, WarmProcess
from ideko.local.launch.process_group import KILL_GRACE_SECONDS, stop_group, stop_leftover

__all__ = ["KILL_GRACE_SECONDS", "TaskProcess", "log_tail", "stop_leftover"]


class TaskProcess:
    """A running attempt; ``poll`` returns its exit code once it ended (timeouts included).

    With a ``launcher`` in warm mode, a KFP python-component command is forked from a warm
    server (:mod:`ideko.local.runner.kfp_fork`); anything else runs as a fresh process.
    """

    def __init__(
        self,
        command: list[str],
        env: dict[str, str],
        log_path: Path,
        timeout: float | None = None,
        cwd: Path | None = None,
        launcher: Launcher | None = None,
    ) -> None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log_path = log_path
        self.timeout = timeout
        self.started = time.monotonic()
        self.timed_out = False
        self._log = log_path.open("wb")
        try:
            if launcher is None:
                self._child: Launched = FreshProcess(command, env, self._log.fileno(), cwd)
            else:
                self._child = launcher.launch(
                    command,
                    env,
                    stdout_fd=self._log.fileno(),
                    cwd=cwd or Path.cwd(),
                    log_path=log_path,
                )
            self.warm = isinstance(self._child, WarmProcess)
        except OSError:
            self._log.close()
            raise

    @property
    def pid(self) -> int:
        return self._child.pid

    def poll(self) -> int | None:
        code = self._child.wait(0)
        if code is None and self.timeout and time.monotonic() - self.started > self.timeout:
            self.timed_out = True
            self.stop()
            code = self._child.wait(0)
        if code is not None:
            self._finish()
        return code

    def stop(self, grace: float = KILL_GRACE_SECONDS) -> None:
        """Terminate the whole process group; kill it if it outlives ``grace`` seconds."""
        stop_group(self._child.pid, lambda t: self._child.wait(t) is not None, grace)
        self._finish()

    def _finish(self) -> None:
        if not self._log.closed:
            if self.timed_out:
                self._log.write(f"\n[ideko run] killed after {self.timeout:g}s timeout\n".encode())
            self._log.close()


def log_tail(path: Path, lines: int = 20) -> str:
    """The last ``lines`` lines of a log, for failure messages."""
    try:
        with path.open("r", encoding="utf-8", errors="replace") as f:
            return "".join(deque(f, maxlen=lines)).rstrip()
    except OSError:
        return ""
