"""User-facing error types of the runtime: what a step CLI prints as one ``error:`` line.

A :class:`UserError` (and the config, data, contract and JSON errors of :func:`user_errors`)
is bad input a user can fix; the step CLIs print it as ``prog: error: …`` with exit status 2
instead of a traceback. Stdlib-only, so any module may import it.
"""

from __future__ import annotations

import json


class UserError(ValueError):
    """Bad input a user can fix; printed on one line without a traceback."""


def user_errors() -> tuple[type[BaseException], ...]:
    """The exceptions the step CLIs report as usage problems (imported lazily: stay light)."""
    from ideko.runtime.data.errors import DataError
    from ideko.runtime.training.config import ConfigError
    from ideko.schema.documents import DocumentError

    return (UserError, ConfigError, DataError, DocumentError, json.JSONDecodeError)
