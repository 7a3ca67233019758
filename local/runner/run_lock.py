"""One runner per run directory: an exclusive ``flock`` on ``<run-dir>/runner.lock``.

The kernel releases an ``flock`` when its holder dies however it dies (``kill -9``
included), so a lock left by a dead runner is simply free: the next runner takes it over
without guessing from pids whether the holder still lives. The file records the holder's
pid, host and start time, for the refusal a second runner prints and for the note a runner
taking over a crashed run's lock prints. The descriptor is close-on-exec (Python's default)
and the runner starts children only with ``exec``, so no child keeps a dead runner's lock.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ideko.local.runner.errors import RunnerError

LOCK_FILE = "runner.lock"


@dataclass(frozen=True)
class Holder:
    """Who holds (or last held) a run's lock."""

    pid: int
    host: str
    since: float

    def describe(self) -> str:
        when = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(self.since))
        return f"PID {self.pid} on {self.host}, since {when}"


class RunLockedError(RunnerError):
    """Another live runner holds the run."""


class RunLock:
    """The held lock of one run directory; :meth:`release` (or process exit) frees it."""

    def __init__(self, run_dir: Path, run_id: str) -> None:
        self.path = run_dir / LOCK_FILE
        self._fd: int | None = None
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            _lock_exclusive(fd)
        except OSError as exc:
            holder = _read(fd)
            os.close(fd)
            if exc.errno not in _BUSY:
                raise
            who = holder.describe() if holder else "another process"
            raise RunLockedError(
                f"run {run_id!r} is being run by {who} (lock {self.path}); wait for it to "
                f"finish, or stop it (kill {holder.pid if holder else 'PID'}; Ctrl-C saves "
                "its state) and resume then"
            ) from None
        self._fd = fd
        #: the runner that held the lock before and died without releasing it (if any)
        self.previous = _read(fd)
        try:
            _write(fd, Holder(os.getpid(), socket.gethostname(), time.time()))
        except OSError:
            self.release()
            raise

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, 0)
        os.close(self._fd)  # closing the descriptor releases the flock
        self._fd = None


_BUSY = (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES)
_TRIES = 5  # a `runs list` probing the lock holds it shared for microseconds


def _lock_exclusive(fd: int) -> None:
    for attempt in range(_TRIES):
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except OSError as exc:
            if exc.errno not in _BUSY or attempt == _TRIES - 1:
                raise
            time.sleep(0.02)


def holder_of(run_dir: Path) -> Holder | None:
    """The live runner holding ``run_dir``, or None when no runner holds it (finished,
    crashed or never started): a probe that takes and drops the lock at once."""
    path = run_dir / LOCK_FILE
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        holder = _read(fd)
        return holder or Holder(0, "?", 0.0)
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _read(fd: int) -> Holder | None:
    try:
        data: dict[str, Any] = json.loads(os.pread(fd, 4096, 0) or b"null") or {}
        return Holder(int(data["pid"]), str(data["host"]), float(data["since"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write(fd: int, holder: Holder) -> None:
    data = json.dumps({"pid": holder.pid, "host": holder.host, "since": holder.since}).encode()
    os.ftruncate(fd, 0)
    os.pwrite(fd, data, 0)
