"""Versioned runtime contracts (dbt-style): every document is checked against its schema on read.

A document carries its shape's version (``schema_version``; the dataset sidecar's ``format``
is ``ideko-dataset/v<N>``). A missing version means 1 (a hand-written config; the compiler
stamps ``model_config`` and ``data_config`` with the current one). A newer version than
this reader knows, or a wrong shape, is a :class:`DocumentError` naming the field at fault,
never a ``KeyError`` deep inside a step.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # jsonschema is imported on first check: step CLIs start without it
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

DocumentKind = Literal["model_config", "data_config", "dataset_metadata", "run_state"]


@dataclass(frozen=True)
class Contract:
    """Where a kind's version lives and the newest version this code reads."""

    version_field: str
    current: int


CONTRACTS: dict[DocumentKind, Contract] = {
    "model_config": Contract("schema_version", 1),
    "data_config": Contract("schema_version", 2),  # 2: split.validation, validation gate
    "dataset_metadata": Contract("format", 2),  # 2: split.validation, validation rows
    "run_state": Contract("schema_version", 1),  # the local engine's state.json
}
_FORMAT = re.compile(r"ideko-dataset/v([0-9]+)")


class DocumentError(ValueError):
    """A contract document that this runtime cannot read; the message names the field."""


@cache
def contract_schema(kind: DocumentKind) -> dict[str, Any]:
    """The JSON Schema of ``kind`` (``schema/contracts/<kind>.schema.json``)."""
    text = files(__package__).joinpath("contracts", f"{kind}.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _validator(kind: DocumentKind) -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(contract_schema(kind))


def document_version(kind: DocumentKind, data: dict[str, Any]) -> int:
    """The version ``data`` declares (1 when it declares none)."""
    contract = CONTRACTS[kind]
    value = data.get(contract.version_field)
    if value is None:
        return 1
    if contract.version_field == "format":
        match = _FORMAT.fullmatch(value) if isinstance(value, str) else None
        number = int(match.group(1)) if match else None
    else:
        number = value if isinstance(value, int) and not isinstance(value, bool) else None
    if number is None or number < 1:
        raise DocumentError(f"{kind}: {contract.version_field}: {value!r} is not a version")
    return number


def check_version(kind: DocumentKind, data: Any) -> None:
    """Refuse a document that is not an object or is newer than this code."""
    if not isinstance(data, dict):
        raise DocumentError(f"{kind} must be a JSON object")
    contract = CONTRACTS[kind]
    version = document_version(kind, data)
    if version > contract.current:
        raise DocumentError(
            f"{kind}: {contract.version_field}: version {version} is newer than this runtime "
            f"reads (at most {contract.current}); upgrade the runtime image"
        )


def _where(error: ValidationError) -> str:
    return ".".join(str(part) for part in error.absolute_path) or "(top level)"


def check_document(kind: DocumentKind, data: Any) -> Any:
    """``data`` itself when it is a readable ``kind`` document; else one DocumentError listing
    every problem as ``path: message``."""
    check_version(kind, data)
    errors = sorted(_validator(kind).iter_errors(data), key=lambda e: list(map(str, e.path)))
    if errors:
        lines = [f"{_where(e)}: {e.message}" for e in errors]
        if len(lines) == 1:
            raise DocumentError(f"{kind}: {lines[0]}")
        raise DocumentError(f"invalid {kind}:\n  - " + "\n  - ".join(lines))
    return data
