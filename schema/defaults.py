"""Defaults read from the JSON Schema's ``default`` keywords: the one table of defaults.

The compiler fills a spec from these and the runtime fills hand-written configs (``ideko
baseline``, a trial run by hand) from the same values, so both halves mean the same thing.
Defaults that depend on other fields (an architecture's activation, a metric's direction,
``secure`` from the endpoint's scheme) are rules, not values: see :mod:`ideko.schema.names`,
:mod:`ideko.schema.architectures` and :mod:`ideko.schema.metric_lines`.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any

from ideko.schema import schema_path

ROOT = "#"  # defaults_of(ROOT): the top-level sections' defaults


@cache
def spec_schema() -> dict[str, Any]:
    """The spec's JSON Schema, read once per process."""
    schema: dict[str, Any] = json.loads(schema_path().read_text(encoding="utf-8"))
    return schema


def _object(def_name: str) -> dict[str, Any]:
    schema = spec_schema()
    if def_name == ROOT:
        return schema
    try:
        return schema["$defs"][def_name]
    except KeyError:
        raise KeyError(f"no $defs.{def_name} in {schema_path().name}") from None


@cache
def _defaults(def_name: str) -> dict[str, Any]:
    properties = _object(def_name).get("properties", {})
    return {name: prop["default"] for name, prop in properties.items() if "default" in prop}


def defaults_of(def_name: str) -> dict[str, Any]:
    """``{property: default}`` of one ``$defs`` object (only properties that have one), copied."""
    return copy.deepcopy(_defaults(def_name))


def default_of(def_name: str, prop: str) -> Any:
    """The default of one property; ``KeyError`` when it has none."""
    defaults = _defaults(def_name)
    if prop not in defaults:
        raise KeyError(f"$defs.{def_name}.properties.{prop} has no default")
    return copy.deepcopy(defaults[prop])


def enum_of(def_name: str, prop: str) -> tuple[Any, ...]:
    """The allowed values (``enum`` keyword) of one property, in the schema's order."""
    prop_schema = _object(def_name).get("properties", {}).get(prop, {})
    if "enum" not in prop_schema:
        raise KeyError(f"$defs.{def_name}.properties.{prop} has no enum")
    return tuple(prop_schema["enum"])


def with_defaults(given: dict[str, Any], def_name: str) -> dict[str, Any]:
    """``given`` in its own key order, then the defaults it does not set."""
    return {**given, **{k: v for k, v in defaults_of(def_name).items() if k not in given}}


DEFAULT_PARALLELISM: int = default_of("execution", "parallelism")
DEFAULT_REGISTRY_URI: str = default_of(ROOT, "registry")["uri"]
DEFAULT_STORE_ENDPOINT: str = default_of("artifactStore", "endpoint")
DEFAULT_STORE_SECRET: str = default_of("artifactStore", "secret")
DEFAULT_SEED: int = default_of("split", "seed")
