"""The one duration grammar of specs: a whole number and a unit, ``30s``, ``10m``, ``2h``.

``$defs.duration`` in ideko.schema.json states it for editors and the loader; this module
is the parser every consumer shares (a test checks both accept the same strings).
"""

from __future__ import annotations

import re

UNIT_SECONDS: dict[str, int] = {"s": 1, "m": 60, "h": 3600}
DURATION_PATTERN = "^[0-9]+[smh]$"
_DURATION = re.compile(r"([0-9]+)([smh])")


def parse_duration(text: str) -> float:
    """Seconds in ``text``; a ``ValueError`` names the accepted shape otherwise."""
    match = _DURATION.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"invalid duration {text!r} (expected e.g. 30s, 10m or 2h)")
    return float(int(match.group(1)) * UNIT_SECONDS[match.group(2)])
