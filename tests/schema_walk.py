"""Every sub-schema of a JSON Schema with its path, for the tests that check a rule holds for
each one (every property documented with examples that fit, every default valid)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def schema_nodes(
    node: Any, where: str = "#", skip: frozenset[str] = frozenset()
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every mapping at or below ``node`` as ``(path, mapping)``, parents first; keys in
    ``skip`` are not entered (``if``/``then``/``else`` are conditions, not fields)."""
    if isinstance(node, dict):
        yield where, node
        for key, sub in node.items():
            if key not in skip:
                yield from schema_nodes(sub, f"{where}.{key}", skip)
    elif isinstance(node, list):
        for i, sub in enumerate(node):
            yield from schema_nodes(sub, f"{where}[{i}]", skip)
