"""The one error type of a submission: bad input or a cluster answer a user can act on."""

from __future__ import annotations

from ideko.runtime.errors import UserError


class SubmitError(UserError):
    """Printed as one line (what went wrong and how to fix it), never with a traceback."""
