"""What a semantic check receives besides the typed Spec: positions and the raw data."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ideko.compiler.load.diagnostics import Diagnostic
from ideko.compiler.load.spec_model import Spec
from ideko.compiler.load.yaml_doc import Locator, YamlPath


@dataclass(frozen=True)
class CheckContext:
    """``raw`` is the schema-valid data before defaults: it tells what the user wrote."""

    locator: Locator
    raw: dict[str, Any]

    def at(self, path: YamlPath, message: str, *, at_key: bool = False) -> Diagnostic:
        return self.locator.diagnostic(path, message, at_key=at_key)

    def written(self, path: YamlPath) -> bool:
        """Whether ``path`` appears in the spec (or an included file), not only as a default."""
        node: Any = self.raw
        for part in path:
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and isinstance(part, int) and part < len(node):
                node = node[part]
            else:
                return False
        return True


Check = Callable[[Spec, CheckContext], Iterable[Diagnostic]]
