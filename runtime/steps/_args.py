"""Argument helpers shared by step CLIs: one-line errors instead of tracebacks.

API: ``StepArgError``; ``json_config(text, what)`` (JSON object or ``@file.json``);
``local_dir(uri, what)`` (local path or ``file://`` URI; object-store and lakeFS URIs are a
clear "not supported yet" error); ``artifact_path(artifact)`` (``.path`` of a KFP artifact,
or a plain path); ``run_main(parser, action, argv, errors)`` (parse, run, print
``prog: error: …`` and return 2 on any of ``errors``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

REMOTE_SCHEMES = ("s3", "gs", "minio", "lakefs", "http", "https")


class StepArgError(ValueError):
    """A bad argument value; the CLI prints it on one line."""


def json_config(text: str, what: str) -> dict[str, Any]:
    """Parse a JSON object given inline or as ``@path/to/file.json``."""
    if text.startswith("@"):
        try:
            text = Path(text[1:]).read_text(encoding="utf-8")
        except OSError as exc:
            raise StepArgError(f"{what}: cannot read {text[1:]} ({exc.strerror})") from exc
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise StepArgError(f"{what}: not valid JSON ({exc.msg} at char {exc.pos})") from exc
    if not isinstance(value, dict):
        raise StepArgError(f"{what}: expected a JSON object, got {type(value).__name__}")
    return value


def local_dir(uri: str, what: str = "data_uri") -> Path:
    """A local directory from a path (relative to the current directory) or ``file://`` URI."""
    parsed = urlparse(uri)
    if parsed.scheme in REMOTE_SCHEMES:
        raise StepArgError(
            f"{what} {uri!r}: {parsed.scheme}:// sources are not supported yet; "
            "download the data and pass a local directory"
        )
    if parsed.scheme not in ("", "file") and len(parsed.scheme) != 1:
        raise StepArgError(f"{what} {uri!r}: unknown scheme {parsed.scheme}://")
    path = Path(unquote(parsed.path)) if parsed.scheme == "file" else Path(uri)
    if not path.is_dir():
        problem = "does not exist" if not path.exists() else "is not a directory"
        raise StepArgError(f"{what} {uri!r} {problem}")
    return path.resolve()


def artifact_path(artifact: Any) -> str:
    """The local path of a KFP artifact object, or the value itself when it is a path."""
    if isinstance(artifact, str | os.PathLike):
        return os.fspath(artifact)
    path = getattr(artifact, "path", None)
    if not path:
        raise StepArgError(f"{artifact!r} has no local .path")
    return str(path)


def run_main(
    parser: argparse.ArgumentParser,
    action: Callable[[argparse.Namespace], int],
    argv: Sequence[str] | None,
    errors: tuple[type[BaseException], ...] = (),
) -> int:
    """Parse ``argv`` and call ``action``; StepArgError and ``errors`` exit 2 with one line."""
    args = parser.parse_args(argv)
    try:
        return action(args)
    except (StepArgError, *errors) as exc:
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return 2
