"""Follow a metrics file while a trial writes it, as Katib's File collector tails it.

Katib's sidecar tails the file (``tail -F`` semantics) and evaluates early-stopping rules
as lines arrive. Here a thread polls the file every ``interval`` seconds and hands each
complete line to a callback; :meth:`FileFollower.finish` stops the thread and reads what
is left after the trial exited, including a last line without a newline. A file replaced
under the same name (rotation) is followed from the new file's start; a file truncated
in place is re-read from its start.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

POLL_SECONDS = 0.2


class FileFollower:
    """Hands every line written to ``path`` to ``on_line``, from a thread, until finished."""

    def __init__(
        self, path: Path, on_line: Callable[[str], None], interval: float = POLL_SECONDS
    ) -> None:
        self.path, self.on_line, self.interval = path, on_line, interval
        self.seen = False  # the file existed at some point
        self._handle: BinaryIO | None = None
        self._pending = b""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"follow {path.name}", daemon=True)

    def start(self) -> FileFollower:
        self._thread.start()
        return self

    def finish(self) -> None:
        """Stop following, then read the file to its end (the trial has exited)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        self._read()
        if self._pending:
            line, self._pending = self._pending, b""
            self.on_line(line.decode("utf-8", errors="replace"))
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self._read()

    def _read(self) -> None:
        self._reopen_if_replaced()
        if self._handle is None:
            try:
                self._handle = open(self.path, "rb")  # closed in finish()
            except FileNotFoundError:
                return
            self.seen = True
        chunk = self._handle.read()
        if not chunk:
            return
        *lines, self._pending = (self._pending + chunk).split(b"\n")
        for line in lines:
            self.on_line(line.decode("utf-8", errors="replace"))

    def _reopen_if_replaced(self) -> None:
        handle = self._handle
        if handle is None:
            return
        try:
            current = os.stat(self.path)
        except FileNotFoundError:
            return  # removed: keep reading the open file until a new one appears
        opened = os.fstat(handle.fileno())
        if (current.st_ino, current.st_dev) != (opened.st_ino, opened.st_dev):
            self._drain(handle)
            handle.close()
            self._handle = None
        elif current.st_size < handle.tell():
            handle.seek(0)
            self._pending = b""

    def _drain(self, handle: BinaryIO) -> None:
        """Lines left in a file that was replaced (its last line ends there)."""
        rest = self._pending + handle.read()
        self._pending = b""
        for line in rest.split(b"\n"):
            if line:
                self.on_line(line.decode("utf-8", errors="replace"))
