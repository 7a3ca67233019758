"""Children die with their engine: a watchdog process and the parent-death signal.

Every task and trial leads a process group of its own (so Ctrl-C reaches the engine, which
stops them), which also means nothing stops them when the engine itself is killed with
SIGKILL: they kept computing unseen until a later ``--resume`` found them. Two measures:

- :func:`die_with_parent` sets Linux's ``PR_SET_PDEATHSIG`` (SIGKILL) through ``prctl``
  in processes we write ourselves: the warm fork server (its parent is the engine) and
  every fork it makes (their parent is the server), so engine -> server -> forks fall in
  a chain.
- :class:`Watchdog` covers what ``prctl`` cannot reach (a fresh task is ``sh -c``, whose
  python child has ``sh`` as parent): a small process, in a session of its own so no
  group kill of its engine reaches it, holding the read end of a pipe whose only write
  end the engine keeps. The engine writes ``+PGID`` when it starts a child group and
  ``-PGID`` when it reaped it; end of file without ``quit`` (the engine died) makes the
  watchdog SIGKILL every group still listed, then exit. An engine nested in a task (the
  tune step's tuner) has its own watchdog, which sees its own end of file when the outer
  watchdog kills that task.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
import weakref
from typing import IO

PR_SET_PDEATHSIG = 1


def die_with_parent(expected_parent: int, sig: int = signal.SIGKILL) -> bool:
    """Ask the kernel to send ``sig`` when our parent (thread) exits; exit at once when
    the parent is already gone (it died before the request). False where ``prctl`` is
    unavailable (not Linux)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)  # the C library's symbols, no ldconfig
        ok = libc.prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False
    if ok and os.getppid() != expected_parent:
        os._exit(1)
    return ok


class Watchdog:
    """The engine's side: start the watchdog lazily, tell it groups, ``close`` when done."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[str] | None = None
        self._pipe: IO[str] | None = None
        self._lock = threading.Lock()
        self.broken = False  # the watchdog could not start or went away (runs go on)

    def watch(self, pgid: int) -> None:
        self._send(f"+{pgid}")

    def forget(self, pgid: int) -> None:
        self._send(f"-{pgid}")

    def _send(self, line: str) -> None:
        with self._lock:
            if self.broken:
                return
            try:
                if self._pipe is None:
                    self._start()
                assert self._pipe is not None
                self._pipe.write(line + "\n")
                self._pipe.flush()
            except OSError:
                self.broken = True

    def _start(self) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "ideko.local.launch.watchdog"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
            start_new_session=True,  # a kill of the engine's group must not reach it
        )
        self._pipe = self._proc.stdin
        # an owner dropped without close() (a trial's own launcher) still lets it go
        self._release = weakref.finalize(self, _quit, self._proc)
        self._release.atexit = False  # an engine exiting with children running: end of file

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    def close(self) -> None:
        """The engine ends normally: the watchdog exits without killing anything."""
        with self._lock:
            if self._proc is not None:
                self._release()
            self._proc = self._pipe = None


def _quit(proc: subprocess.Popen[str]) -> None:
    """Tell the watchdog to leave without killing, and reap it."""
    if proc.stdin is not None:
        with contextlib.suppress(OSError):
            proc.stdin.write("quit\n")
            proc.stdin.flush()
        with contextlib.suppress(OSError):
            proc.stdin.close()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def main() -> int:
    """The watchdog process: follow stdin; on end of file kill what is still listed."""
    groups: set[int] = set()
    for line in sys.stdin:
        word = line.strip()
        if word == "quit":
            return 0
        with contextlib.suppress(ValueError):
            if word.startswith("+"):
                groups.add(int(word[1:]))
            elif word.startswith("-"):
                groups.discard(int(word[1:]))
    for pgid in groups:
        with contextlib.suppress(OSError):
            os.killpg(pgid, signal.SIGKILL)
    return 0


if __name__ == "__main__":
    sys.exit(main())
