"""Pipeline parameters from ``-p name=value``: checked against the IR's root inputs and cast
to their declared types, with the IR's defaults filled in.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ideko.local.runner.errors import RunnerError
from ideko.local.runner.inputs import cast_parameter
from ideko.schema.assignments import split_assignment


def parse_assignments(items: Iterable[str]) -> dict[str, str]:
    """``["a=1", "b=x=y"]`` -> ``{"a": "1", "b": "x=y"}``; a malformed item is an error."""
    result: dict[str, str] = {}
    for item in items:
        try:
            name, value = split_assignment(item)
        except ValueError:
            raise RunnerError(f"-p expects name=value, got {item!r}") from None
        result[name] = value
    return result


def pipeline_arguments(root_inputs: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """Every root parameter's value: given ones cast to their type, the rest from defaults."""
    unknown = sorted(set(given) - set(root_inputs))
    if unknown:
        known = ", ".join(sorted(root_inputs)) or "none"
        raise RunnerError(f"unknown pipeline parameter(s) {', '.join(unknown)}; known: {known}")
    values: dict[str, Any] = {}
    missing: list[str] = []
    for name, definition in root_inputs.items():
        ptype = definition.get("parameterType")
        if name in given:
            values[name] = cast_parameter(given[name], ptype, name)
        elif "defaultValue" in definition:
            values[name] = cast_parameter(definition["defaultValue"], ptype, name)
        elif not definition.get("isOptional"):
            missing.append(name)
    if missing:
        raise RunnerError(f"missing required pipeline parameter(s): {', '.join(missing)} (-p)")
    return values
