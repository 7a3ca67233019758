"""JSON Schema ``pattern`` with the ECMA-262 meaning of ``$``, as editors read the schema.

JSON Schema patterns are ECMA-262 regular expressions, where ``$`` (without the multiline
flag) matches only at the very end of the text. Python's ``$`` also matches just before a
final newline, so ``^[a-z0-9]+$`` accepts ``"name\\n"`` under jsonschema's default
``re.search`` — a trailing line break that would then reach a generated file. The spec
validator reads each ``$`` outside a character class as ``\\Z`` instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import Any


@cache
def ecma_regex(pattern: str) -> re.Pattern[str]:
    """``pattern`` compiled for Python with every unescaped ``$`` (outside ``[...]``) as ``\\Z``."""
    out: list[str] = []
    escaped = in_class = False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "$":
            out.append(r"\Z")
            continue
        out.append(char)
    return re.compile("".join(out))


def pattern_keyword(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[Any]:
    """jsonschema's ``pattern`` keyword, with ``ecma_regex`` in place of ``re.search(pattern)``."""
    from jsonschema.exceptions import ValidationError

    if validator.is_type(instance, "string") and not ecma_regex(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


@cache
def spec_validator_class() -> Any:
    """Draft 2020-12 with the ECMA ``pattern`` keyword (for the spec and its pieces)."""
    from jsonschema import Draft202012Validator, validators

    return validators.extend(Draft202012Validator, {"pattern": pattern_keyword})
