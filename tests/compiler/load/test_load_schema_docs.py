"""The schema documents itself: every property has a description and examples that fit."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ideko.compiler.load.schema_check import load_schema
from jsonschema import Draft202012Validator
from schema_walk import schema_nodes

REPO = Path(__file__).resolve().parents[3]


def _properties(schema: dict[str, Any], where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every (path, schema) found under any `properties` mapping, outside conditions."""
    for path, node in schema_nodes(schema, where, skip=frozenset({"if", "then", "else"})):
        for name, sub in node.get("properties", {}).items():
            yield f"{path}.{name}", sub


def test_schema_is_valid_draft_2020_12() -> None:
    schema = load_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_every_property_has_description_and_examples() -> None:
    props = list(_properties(load_schema(), "#"))
    assert len(props) > 100
    missing = [path for path, sub in props
               if not sub.get("description") or not sub.get("examples")]
    assert missing == []


def test_every_example_is_valid_for_its_property() -> None:
    schema = load_schema()
    bad = []
    for path, sub in _properties(schema, "#"):
        validator = Draft202012Validator({**sub, "$defs": schema["$defs"]})
        bad += [(path, ex) for ex in sub.get("examples", []) if not validator.is_valid(ex)]
    assert bad == []


def test_every_object_is_closed() -> None:
    def objects(node: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
        if isinstance(node, dict):
            if node.get("type") == "object" or "properties" in node:
                yield where, node
            for key, sub in node.items():
                yield from objects(sub, f"{where}.{key}")
        elif isinstance(node, list):
            for i, sub in enumerate(node):
                yield from objects(sub, f"{where}[{i}]")

    open_ = [w for w, node in objects(load_schema(), "#") if "additionalProperties" not in node
             and not w.endswith(("if", "then"))]
    assert open_ == []


def test_example_spec_names_the_schema() -> None:
    first = (REPO / "specs" / "ideko.yaml").read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=../schema/ideko.schema.json"
