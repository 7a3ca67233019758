"""Reading JSON/YAML files with one clear error, and versioned contract documents on disk.

Every reader takes ``error``, the exception type (or factory) of its caller's layer
(``UserError``, ``ConfigError``, ``DataError``, the local engine's ``RunnerError``), so a
missing or broken file is one readable message in that layer, never a traceback. The
contract documents (``model_config``, ``data_config``, the dataset sidecar, the local
engine's ``state.json``) are checked against ``ideko.schema.documents`` on read and before
they are written. Stdlib plus ``ideko.schema`` (jsonschema on the first check, PyYAML only
in :func:`read_yaml`): the local engine, which must not import TensorFlow, can use it too.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ideko.runtime.atomic import write_json
from ideko.schema.documents import DocumentError, DocumentKind, check_document, check_version

ErrorFactory = Callable[[str], Exception]
PathLike = str | os.PathLike[str]


def read_text(path: PathLike, error: ErrorFactory) -> str:
    """The file's UTF-8 text; ``error("cannot read PATH: REASON")`` when it cannot be read."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise error(f"cannot read {path}: {exc.strerror}") from exc


def read_json(path: PathLike, error: ErrorFactory) -> Any:
    """The file's JSON value; ``error("PATH is not valid JSON (REASON)")`` when it is not."""
    try:
        return json.loads(read_text(path, error))
    except json.JSONDecodeError as exc:
        raise error(f"{path} is not valid JSON ({exc.msg})") from exc


def read_yaml(path: PathLike, error: ErrorFactory) -> Any:
    """The file's YAML value (safe loader); ``error("PATH is not valid YAML: REASON")``."""
    import yaml

    text = read_text(path, error)
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise error(f"{path} is not valid YAML: {exc}") from exc


def checked_object(value: Any, kind: DocumentKind, error: ErrorFactory) -> dict[str, Any]:
    """``value`` when it is a JSON object of a ``kind`` version this code reads."""
    if not isinstance(value, dict):
        raise error(f"{kind} must be a JSON object")
    try:
        check_version(kind, value)
    except DocumentError as exc:
        raise error(str(exc)) from exc
    return value


def check_file_document(path: PathLike, kind: DocumentKind, data: Any, error: ErrorFactory) -> Any:
    """``data`` when it is a valid ``kind`` document; else ``error("PATH: PROBLEM")``."""
    try:
        return check_document(kind, data)
    except DocumentError as exc:
        raise error(f"{path}: {exc}") from exc


def read_document(path: PathLike, kind: DocumentKind, error: ErrorFactory) -> Any:
    """Read a ``kind`` document from ``path``, checked against its contract."""
    return check_file_document(path, kind, read_json(path, error), error)


def write_document(
    path: PathLike, kind: DocumentKind, data: Any, error: ErrorFactory, *, indent: int = 2
) -> Path:
    """Check ``data`` against the ``kind`` contract, then write it atomically (sorted keys)."""
    return write_json(path, check_file_document(path, kind, data, error), indent=indent)
