"""The one way the local engine stops a child: SIGTERM its process group, SIGKILL after a grace.

Every task and trial leads a process group of its own (a fresh process starts a new session,
a fork of the warm server makes one), so a stop reaches what it started too (the ``sh``
wrapper's python, a trial's workers). A child that has not made its group yet is signalled
alone. ``stop_leftover`` is the same stop for a child a crashed runner left behind.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

KILL_GRACE_SECONDS = 5.0
_POLL_SECONDS = 0.05


def signal_group(pid: int, sig: int) -> None:
    """Signal ``pid``'s process group (``pid`` alone if it has not made one yet)."""
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)
    except PermissionError:
        pass


def stop_group(
    pid: int, ended: Callable[[float], bool], grace: float = KILL_GRACE_SECONDS
) -> None:
    """SIGTERM the group, SIGKILL it if ``ended(seconds)`` is still False after ``grace``.

    ``ended(timeout)`` waits up to ``timeout`` seconds for the child itself to end. The
    group gets a last SIGKILL either way: leftovers of a child that exited on SIGTERM.
    """
    if not ended(0):
        signal_group(pid, signal.SIGTERM)
        if not ended(grace):
            signal_group(pid, signal.SIGKILL)
            ended(grace)
    signal_group(pid, signal.SIGKILL)


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

    def ended(timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while Path(f"/proc/{pid}").exists():
            if time.monotonic() >= deadline:
                return False
            time.sleep(_POLL_SECONDS)
        return True

    stop_group(pid, ended)
    return True
