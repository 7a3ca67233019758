"""Validate plain spec data against the JSON Schema and explain each error in user terms.

Messages are built from jsonschema's error objects (``validator``, ``validator_value``,
``absolute_path``, ``schema``, ``instance``), never by parsing jsonschema's own message
text, so a jsonschema upgrade cannot silently change what users read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from typing import Any

from ideko.compiler.load.diagnostics import Diagnostic, did_you_mean, one_of, suggestion
from ideko.compiler.load.yaml_doc import Locator, YamlPath
from ideko.schema import schema_path
from ideko.schema.architectures import CANONICAL_ARCHITECTURES
from ideko.schema.patterns import spec_validator_class
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

_TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean (true/false)",
    "null": "null",
}
_BOUNDS = {
    "minimum": ">=",
    "maximum": "<=",
    "exclusiveMinimum": ">",
    "exclusiveMaximum": "<",
}


@cache
def load_schema() -> dict[str, Any]:
    """The spec schema shipped in ``ideko.schema`` (read once per process)."""
    schema: dict[str, Any] = json.loads(schema_path().read_text(encoding="utf-8"))
    return schema


@cache
def _validator() -> Draft202012Validator:
    schema = load_schema()
    Draft202012Validator.check_schema(schema)
    validator: Draft202012Validator = spec_validator_class()(schema)
    return validator


def schema_errors(data: Any) -> Iterator[ValidationError]:
    """jsonschema's raw errors for ``data`` (for callers that need paths, not messages)."""
    return _validator().iter_errors(data)


def check_schema(data: Any, locator: Locator) -> list[Diagnostic]:
    """Every schema violation in ``data`` as a positioned, explained diagnostic."""
    out: list[Diagnostic] = []
    for error in _validator().iter_errors(data):
        out.extend(_explain(error, locator))
    return out


def _resolve(schema: Any) -> dict[str, Any]:
    """Follow local ``$ref`` chains (our schema only uses ``#/$defs/...``)."""
    root = load_schema()
    seen = 0
    while isinstance(schema, dict) and "$ref" in schema and seen < 20:
        target = root["$defs"][schema["$ref"].rsplit("/", 1)[-1]]
        schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
        seen += 1
    return schema if isinstance(schema, dict) else {}


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int):
        return f"an integer ({value})"
    if isinstance(value, float):
        return f"a number ({value})"
    return f"a string ({value!r})"


def _explain(error: ValidationError, loc: Locator) -> Iterator[Diagnostic]:
    path: YamlPath = tuple(error.absolute_path)
    kind, want, value, schema = error.validator, error.validator_value, error.instance, error.schema
    if "propertyNames" in error.absolute_schema_path:
        # jsonschema reports a bad key name at its parent's path with the key as instance.
        yield _bad_name(error, path, loc)
        return
    if kind == "additionalProperties" and isinstance(value, dict):
        allowed = list(_resolve(schema).get("properties", {}))
        for key in value:
            if key in allowed:
                continue
            hint = suggestion(key, allowed) or f"; allowed keys: {', '.join(allowed)}"
            yield loc.diagnostic((*path, key), f"unknown key '{key}'{hint}", at_key=True)
        return
    if kind == "required" and isinstance(value, dict):
        known = _resolve(schema).get("properties", {})
        # A misspelt required key is already reported as unknown-with-suggestion; once.
        misspelt = {did_you_mean(k, known) for k in value if k not in known}
        for key in want:
            if key not in value and key not in misspelt:
                yield loc.diagnostic(path, _missing(key, path, schema), at_key=True)
        return
    if kind == "type" and len(path) == 2 and path[0] == "models" and isinstance(value, str):
        # `includes: models.yaml` is read as a model named "includes"; say what was meant.
        hint = suggestion(str(path[1]), ["include"])
        yield loc.diagnostic(path, _message(kind, want, value, schema) + hint, at_key=bool(hint))
        return
    if kind in ("oneOf", "anyOf") and error.context:
        yield from _explain(best_match(error.context), loc)
        return
    yield loc.diagnostic(path, _message(kind, want, value, schema))


def _bad_name(error: ValidationError, path: YamlPath, loc: Locator) -> Diagnostic:
    name = str(error.instance)
    why = error.schema.get("patternErrorMessage") or f"must match {error.validator_value}"
    return loc.diagnostic((*path, name), f"name '{name}' {why}", at_key=True)


def _missing(key: str, path: YamlPath, schema: dict[str, Any]) -> str:
    text = f"missing required key '{key}'"
    prop = _resolve(_resolve(schema).get("properties", {}).get(key, {}))
    if "enum" in prop:
        text += f" (one of {one_of(prop['enum'])})"
    if key == "architecture" and len(path) == 2 and path[0] == "models":
        canon = ", ".join(CANONICAL_ARCHITECTURES)
        text += f"; only the keys {canon} imply one"
        text += suggestion(str(path[1]), CANONICAL_ARCHITECTURES)
    return text


def _message(kind: str, want: Any, value: Any, schema: dict[str, Any]) -> str:
    """The sentence for one simple keyword violation."""
    if kind == "type":
        wanted = [want] if isinstance(want, str) else list(want)
        names = " or ".join(_TYPE_NAMES.get(w, w) for w in wanted)
        text = f"expected {names}, got {_type_name(value)}"
        if "string" in wanted and isinstance(value, int | float) and not isinstance(value, bool):
            text += "; quote it to make it a string"
        if "boolean" in wanted and isinstance(value, str):
            text += "; use true or false"
        return text
    if kind == "enum":
        text = f"{value!r} is not allowed; expected one of {one_of(want)}"
        if isinstance(value, str):
            text += suggestion(value, [w for w in want if isinstance(w, str)])
        return text
    if kind == "const":
        return f"must be {want!r}, got {value!r}"
    if kind in _BOUNDS:
        return f"must be {_BOUNDS[kind]} {want}, got {value}"
    if kind == "pattern":
        why = schema.get("patternErrorMessage") or f"must match the pattern {want}"
        return f"{value!r} {why}"
    if kind == "minItems":
        if want == 1:
            return "must not be empty"
        return f"needs at least {want} items, got {len(value)}"
    if kind == "uniqueItems":
        repeated = sorted({repr(v) for v in value if value.count(v) > 1})
        return f"items must be unique; repeated: {', '.join(repeated)}"
    if kind == "minLength":
        return "must not be empty" if want == 1 else f"needs at least {want} characters"
    if kind == "maxLength":
        return f"is {len(value)} characters long; at most {want} allowed"
    if kind in ("minProperties", "maxProperties"):
        names = list(_resolve(schema).get("properties", {}))
        if names and want == 1:
            got = f", got {', '.join(value)}" if value else ""
            return f"set exactly one of {', '.join(names)}{got}"
        limit = "at least" if kind == "minProperties" else "at most"
        return f"needs {limit} {want} entries, got {len(value)}"
    return f"{value!r} is invalid ({kind}: {want!r})"


def property_schema(definition: str, name: str) -> dict[str, Any] | None:
    """The resolved schema of ``$defs.<definition>.properties.<name>``, or None."""
    prop = load_schema()["$defs"][definition].get("properties", {}).get(name)
    return None if prop is None else _resolve(prop)


def value_problems(value: Any, schema: dict[str, Any]) -> list[str]:
    """Why ``value`` does not fit ``schema`` (a piece of the spec schema), in user terms."""
    full = {**schema, "$defs": load_schema()["$defs"]}
    errors = spec_validator_class()(full).iter_errors(value)
    return [_message(e.validator, e.validator_value, e.instance, e.schema) for e in errors]
