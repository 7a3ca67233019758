"""Shared plumbing of the train/evaluate/compare/register steps.

Argument parsers turn bad values into one-line errors (argparse exits with status 2), and
:func:`run_cli` turns any :class:`UserError` raised later into ``error: …`` on stderr with
status 2 instead of a traceback. Paths may be plain or ``file://`` URIs.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from ideko.runtime.training.config import ConfigError


class UserError(ValueError):
    """Bad input a user can fix; printed without a traceback."""


# Errors the steps report as usage problems: ours, the data layer's, bad JSON.
USER_ERRORS: tuple[type[BaseException], ...] = (UserError, ConfigError, json.JSONDecodeError)


def user_errors() -> tuple[type[BaseException], ...]:
    """USER_ERRORS plus the data layer's DataError when that package is present."""
    try:
        from ideko.runtime.data.errors import DataError
    except ImportError:  # pragma: no cover - the data layer ships in the same package
        return USER_ERRORS
    return (*USER_ERRORS, DataError)


@dataclass
class LocalArtifact:
    """A stand-in for a KFP artifact (``path``, ``uri``, ``metadata``) for the run(...) form."""

    path: str
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def uri(self) -> str:
        return Path(self.path).resolve().as_uri()


# Where KFP's launcher mounts object stores (kfp.dsl.Artifact.path uses the same prefixes).
MOUNTS: dict[str, str] = {"gs": "/gcs", "s3": "/s3", "minio": "/minio"}


def local_path(value: str, what: str = "path") -> Path:
    """A local path from a plain path, a ``file://`` URI, or an object-store URI whose bucket
    is mounted where KFP mounts it (``s3://b/k`` -> ``/s3/b/k``); anything else is an error."""
    parsed = urlparse(value)
    if parsed.scheme in ("", "file"):
        return Path(unquote(parsed.path) if parsed.scheme == "file" else value)
    if len(parsed.scheme) == 1:  # a Windows drive letter, not a scheme
        return Path(value)
    mount = MOUNTS.get(parsed.scheme)
    if mount is not None:
        mounted = Path(mount) / parsed.netloc / unquote(parsed.path).lstrip("/")
        if mounted.exists():
            return mounted
    raise UserError(
        f"{what} {value!r}: scheme {parsed.scheme}:// is not readable here"
        + (f" (nothing mounted at {mount}/)" if mount else "")
        + "; mount or download it and pass a local path"
    )


def json_object(text: str, what: str = "value") -> dict[str, Any]:
    """Parse a JSON object argument (or ``@file.json``)."""
    if text.startswith("@"):
        try:
            text = Path(text[1:]).read_text(encoding="utf-8")
        except OSError as exc:
            raise UserError(f"{what}: cannot read {text[1:]}: {exc.strerror}") from exc
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(f"{what}: not valid JSON ({exc.msg} at char {exc.pos})") from exc
    if not isinstance(value, dict):
        raise UserError(f"{what}: expected a JSON object, got {type(value).__name__}")
    return value


def json_arg(what: str) -> Callable[[str], dict[str, Any]]:
    """An argparse ``type=`` that parses a JSON object and reports errors as usage errors."""

    def parse(text: str) -> dict[str, Any]:
        try:
            return json_object(text, what)
        except UserError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from exc

    parse.__name__ = what
    return parse


def int_arg(text: str) -> int:
    """An argparse ``type=`` for integers with a readable error."""
    try:
        return int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from exc


def run_cli(
    parser: argparse.ArgumentParser,
    action: Callable[[argparse.Namespace], int],
    argv: Sequence[str] | None,
) -> int:
    """Parse ``argv`` and run ``action``; user errors become ``error: …`` and status 2."""
    args = parser.parse_args(argv)
    try:
        return action(args)
    except user_errors() as exc:
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return 2
