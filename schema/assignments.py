"""``NAME=VALUE`` arguments and how an HPO value string becomes a config value.

Shared by ``--set PATH=VALUE`` (train step), ``-p name=value`` (the local runner) and
``--set-arg FLAG=VALUE`` (the local tuner), and by both places a Katib assignment string is
turned into the number or string a model config holds.
"""

from __future__ import annotations

import math
from typing import Any


def split_assignment(text: str) -> tuple[str, str]:
    """``"a=x=y"`` -> ``("a", "x=y")`` (name stripped); ``ValueError`` without a name or ``=``."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise ValueError(f"{text!r}: expected NAME=VALUE")
    return name.strip(), value


def parse_scalar(text: str) -> int | float | str:
    """A value the way Katib substitutes it: int, then finite float, else the string."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        return text
    if not math.isfinite(value):
        raise ValueError(f"value {text!r} is not a finite number")
    return value


def cast_like(text: str, current: Any, katib_type: str = "") -> Any:
    """Cast an assignment string like the config value it replaces, else by Katib's type,
    else as :func:`parse_scalar` (a trial's ``--set`` knows no current value)."""
    if isinstance(current, bool):
        return text.lower() == "true"
    if isinstance(current, int) or katib_type == "int":
        return round(float(text))
    if isinstance(current, float) or katib_type == "double":
        return float(text)
    if isinstance(current, str):
        return text
    return parse_scalar(text)
