"""One duration grammar: the schema's pattern and the parser accept the same strings."""

from __future__ import annotations

import re

import pytest
from ideko.schema.defaults import spec_schema
from ideko.schema.durations import DURATION_PATTERN, parse_duration

VALID = {"0s": 0, "10s": 10, "2m": 120, "1h": 3600, "90m": 5400, "007s": 7, "100000h": 360000000}
INVALID = ["", "10", "1.5s", "1h30m", "10 s", " 10s", "10s ", "10ms", "1d", "-1s", "s", "10S",
           "1e3s", "\u0661\u0660s", "10s\n"]  # fmt: skip


def test_pattern_is_the_schemas() -> None:
    assert spec_schema()["$defs"]["duration"]["pattern"] == DURATION_PATTERN


@pytest.mark.parametrize(("text", "seconds"), VALID.items())
def test_valid(text: str, seconds: int) -> None:
    assert re.search(DURATION_PATTERN, text)
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", INVALID)
def test_invalid(text: str) -> None:
    # JSON Schema patterns are ECMA-262: `$` does not match before a final newline there.
    assert not re.search(DURATION_PATTERN.replace("$", r"\Z"), text, flags=re.ASCII)
    with pytest.raises(ValueError, match="invalid duration"):
        parse_duration(text)


def test_jsonschema_agrees() -> None:
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(spec_schema()["$defs"]["duration"])
    assert all(validator.is_valid(text) for text in VALID)
    assert not any(validator.is_valid(text) for text in INVALID if text != "10s\n")
