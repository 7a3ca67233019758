"""One ``NAME=VALUE`` parser and one rule for casting HPO value strings."""

from __future__ import annotations

import pytest
from ideko.schema.assignments import cast_like, parse_scalar, split_assignment


def test_split() -> None:
    assert split_assignment(" a =x=y") == ("a", "x=y")
    assert split_assignment("a=") == ("a", "")


@pytest.mark.parametrize("text", ["novalue", "=1", " =1", ""])
def test_split_needs_a_name_and_equals(text: str) -> None:
    with pytest.raises(ValueError, match="NAME=VALUE"):
        split_assignment(text)


def test_parse_scalar() -> None:
    assert parse_scalar("48") == 48
    assert parse_scalar("0.003") == 0.003
    assert parse_scalar("1e-3") == 0.001
    assert parse_scalar("adam") == "adam"
    with pytest.raises(ValueError, match="finite"):
        parse_scalar("nan")


@pytest.mark.parametrize(
    ("text", "current", "katib_type", "expected"),
    [
        ("48.0", 32, "", 48),
        ("0.5", 0.1, "", 0.5),
        ("1", 0.1, "", 1.0),
        ("true", False, "", True),
        ("adam", "sgd", "categorical", "adam"),
        ("7", None, "int", 7),
        ("0.01", None, "double", 0.01),
        ("3", None, "categorical", 3),
        ("x", None, "categorical", "x"),
    ],
)
def test_cast_like(text: str, current: object, katib_type: str, expected: object) -> None:
    value = cast_like(text, current, katib_type)
    assert value == expected and type(value) is type(expected)
