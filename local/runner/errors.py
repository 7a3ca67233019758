"""Errors the runner reports to users as one clear message instead of a traceback."""

from __future__ import annotations

from ideko.runtime.atomic import DISK_FULL


class RunnerError(Exception):
    """Bad input (IR, parameters, run id) or a run that cannot proceed; the CLI prints it."""


def os_error_text(exc: OSError, doing: str) -> str:
    """``doing (path): reason``, plus what to do when the disk is full."""
    where = f" ({exc.filename})" if exc.filename else ""
    text = f"{doing}{where}: {exc.strerror or exc}"
    if exc.errno in DISK_FULL:
        text += "; free some space on that disk"
    return text
