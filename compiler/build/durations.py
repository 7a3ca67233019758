"""Spec durations (``90``, ``10s``, ``2m``, ``1h30m``) as whole seconds for KFP and Katib.

Retry backoffs, step timeouts and the trial Job's deadline all pass through here.
"""

from __future__ import annotations

import re

_DURATION_RE = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_UNIT_SECONDS = (86_400, 3_600, 60, 1)


def duration_seconds(text: str) -> int:
    """Seconds in a duration string such as ``90``, ``10s``, ``2m``, ``1h30m``."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    match = _DURATION_RE.match(text)
    if not text or match is None:
        raise ValueError(f"invalid duration {text!r} (expected e.g. 10s, 2m, 1h30m)")
    return sum(int(g or 0) * unit for g, unit in zip(match.groups(), _UNIT_SECONDS, strict=True))
