"""SIGTERM and SIGHUP stop the local engine as Ctrl-C does, so its clean-up stops children.

Tasks and trials run in sessions of their own (so a stop can kill a whole group), which also
means a signal sent to the runner or the tuner alone (a kubelet, a shell closing, ``kill``)
would leave them running. Inside :func:`stop_signals_as_interrupt` such a signal raises
``KeyboardInterrupt`` in the main thread, where both engines already handle Ctrl-C: running
children are stopped, the run is left resumable. Only the main thread can set a handler;
elsewhere the guard does nothing.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


@contextmanager
def stop_signals_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM/SIGHUP raise ``KeyboardInterrupt``; handlers restored after."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = {sig: signal.signal(sig, interrupt) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
