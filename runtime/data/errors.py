"""The one exception type of the data layer: CLIs print it as a one-line error, no traceback."""

from __future__ import annotations


class DataError(ValueError):
    """Bad user input or unusable data (wrong config, missing folder, impossible split)."""
