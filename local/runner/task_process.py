"""Launch one attempt of a task as a subprocess in its own process group, with a log file
and an optional timeout; stop it cleanly (SIGTERM, then SIGKILL) on timeout or Ctrl-C.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ideko.local.runner.warm_tasks import WarmTasks

KILL_GRACE_SECONDS = 5.0


class _Child(Protocol):
    """What the runner needs of a started attempt, fresh or forked."""

    pid: int

    def wait(self, timeout: float | None) -> int | None:
        """The exit code, or None if it is still running after ``timeout`` seconds."""
        ...


class _FreshChild:
    """A ``subprocess.Popen`` seen through :class:`_Child`."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self._proc = proc
        self.pid = proc.pid

    def wait(self, timeout: float | None) -> int | None:
        if timeout == 0:
            return self._proc.poll()
        try:
            return self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None


class TaskProcess:
    """A running attempt; ``poll`` returns its exit code once it ended (timeouts included).

    With ``warm``, a KFP python-component command is forked from a warm server
    (:mod:`ideko.local.runner.warm_tasks`); anything else runs as a fresh subprocess.
    """

    def __init__(
        self,
        command: list[str],
        env: dict[str, str],
        log_path: Path,
        timeout: float | None = None,
        cwd: Path | None = None,
        warm: WarmTasks | None = None,
    ) -> None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log_path = log_path
        self.timeout = timeout
        self.started = time.monotonic()
        self.timed_out = False
        self._log = log_path.open("wb")
        try:
            forked = None
            if warm is not None:
                forked = warm.start(command, env, self._log.fileno(), log_path, cwd or Path.cwd())
            self.warm = forked is not None
            self._child: _Child = forked or _FreshChild(
                subprocess.Popen(
                    command,
                    stdout=self._log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    env=env,
                    cwd=cwd,
                    start_new_session=True,  # Ctrl-C reaches the runner, which stops children
                )
            )
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
        if self._child.wait(0) is None:
            self._signal(signal.SIGTERM)
            if self._child.wait(grace) is None:
                self._signal(signal.SIGKILL)
                self._child.wait(None)
        self._signal(signal.SIGKILL)  # leftovers of the group (e.g. the sh wrapper's child)
        self._finish()

    def _signal(self, sig: signal.Signals) -> None:
        try:
            os.killpg(self._child.pid, sig)
        except ProcessLookupError:  # a fork that has not made its session yet
            try:
                os.kill(self._child.pid, sig)
            except (ProcessLookupError, PermissionError):
                pass
        except PermissionError:
            pass

    def _finish(self) -> None:
        if not self._log.closed:
            if self.timed_out:
                self._log.write(f"\n[ideko run] killed after {self.timeout:g}s timeout\n".encode())
            self._log.close()


def stop_leftover(pid: int, marker: str) -> bool:
    """Stop the process group of a task left running by a runner that died (SIGKILL, crash).

    Only a process whose environment carries ``marker`` (``IDEKO_RUN_ID=<run id>``) is
    touched, so a recycled pid of an unrelated process is never signalled.
    """
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return False
    if marker.encode() not in environ:
        return False
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except (ProcessLookupError, PermissionError):
            return True
        deadline = time.monotonic() + KILL_GRACE_SECONDS
        while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
            time.sleep(0.05)
    return True


def log_tail(path: Path, lines: int = 20) -> str:
    """The last ``lines`` lines of a log, for failure messages."""
    try:
        with path.open("r", encoding="utf-8", errors="replace") as f:
            return "".join(deque(f, maxlen=lines)).rstrip()
    except OSError:
        return ""
