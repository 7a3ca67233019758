"""Cut schema-invalid parts out of a spec so semantic checks can still run on the rest.

A user should see every mistake in one run, not the schema errors first and the semantic
ones on the next attempt. When the schema fails, each broken *unit* (one model, or one
top-level section) is dropped or swapped for a neutral placeholder; if the result is
schema-valid, the semantic checks run on it and only their findings about untouched units
are kept.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from ideko.compiler.load.diagnostics import Diagnostic, format_path
from ideko.compiler.load.schema_check import schema_errors

Unit = tuple[str, ...]

# Neutral stand-ins for required sections; semantic findings under them are discarded.
_PLACEHOLDERS: dict[str, Any] = {
    "apiVersion": "ideko.dev/v1",
    "metadata": {"name": "placeholder"},
    "runtime": {"image": "placeholder:0"},
    "data": {
        "source": {"local": {"path": "."}},
        "indicators": ["placeholder"],
        "classes": {"a": "a", "b": "b"},
    },
    "models": {
        "LSTM": {
            "model_parameters": {"hidden_units": [1]},
            "training_parameters": {"epochs": 1, "batch_size": 1},
        }
    },
}


@dataclass(frozen=True)
class Salvaged:
    """Schema-valid data and the units that were cut out of it."""

    data: dict[str, Any]
    units: frozenset[Unit]

    def covers(self, diag: Diagnostic) -> bool:
        """Whether a semantic finding is about a cut unit (and so may be an artefact)."""
        if diag.path == "models" and any(u[:1] == ("models",) for u in self.units):
            return True  # "every model disabled" etc. cannot be judged with models missing
        for unit in self.units:
            prefix = format_path(unit)
            if diag.path == prefix or diag.path.startswith((f"{prefix}.", f"{prefix}[")):
                return True
        return False


def _units(data: dict[str, Any]) -> set[Unit]:
    units: set[Unit] = set()
    for error in schema_errors(data):
        path = tuple(str(p) for p in error.absolute_path)
        if path:
            units.add(path[:2] if path[0] == "models" and len(path) > 1 else path[:1])
        elif error.validator == "required":
            units.update((key,) for key in error.validator_value if key not in data)
        elif error.validator == "additionalProperties":
            known = error.schema.get("properties", {})
            units.update((key,) for key in data if key not in known)
    return units


def salvage(data: Any, *, models_incomplete: bool = False) -> Salvaged | None:
    """A schema-valid copy of ``data`` with broken units cut, or None when that fails."""
    if not isinstance(data, dict):
        return None
    units = _units(data)
    if models_incomplete:
        units.add(("models",))
    fixed = copy.deepcopy(data)
    for unit in sorted(units, key=len, reverse=True):
        if len(unit) == 2:
            models = fixed.get("models")
            if isinstance(models, dict):
                models.pop(unit[1], None)
        elif unit[0] in _PLACEHOLDERS:
            fixed[unit[0]] = copy.deepcopy(_PLACEHOLDERS[unit[0]])
        else:
            fixed.pop(unit[0], None)
    if not fixed.get("models"):
        fixed["models"] = copy.deepcopy(_PLACEHOLDERS["models"])
        units.add(("models",))
    if any(True for _ in schema_errors(fixed)):
        return None
    return Salvaged(fixed, frozenset(units))
