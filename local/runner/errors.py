"""Errors the runner reports to users as one clear message instead of a traceback."""

from __future__ import annotations


class RunnerError(Exception):
    """Bad input (IR, parameters, run id) or a run that cannot proceed; the CLI prints it."""
