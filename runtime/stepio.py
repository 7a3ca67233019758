"""Command-line plumbing shared by every step CLI (``ideko.runtime.steps.*``, baseline).

One place decides how a bad argument looks to a user: :class:`UserError` (and the config,
data and JSON errors in :func:`user_errors`) become ``prog: error: …`` with exit status 2
instead of a traceback. Artifact paths may be plain, ``file://`` URIs, or object-store URIs
(``s3://``, ``minio://``, ``gs://``): read where KFP's launcher mounts them, else downloaded
by :mod:`ideko.runtime.objectstore`. Stdlib-only (the fetcher is imported when needed), so
any layer may import it.
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

# Schemes no artifact or data directory can come from yet.
UNSUPPORTED_SCHEMES = ("lakefs", "http", "https")

# Where KFP's launcher mounts object stores (kfp.dsl.Artifact.path uses the same prefixes).
MOUNTS: dict[str, str] = {"gs": "/gcs", "s3": "/s3", "minio": "/minio"}


class UserError(ValueError):
    """Bad input a user can fix; printed on one line without a traceback."""


def user_errors() -> tuple[type[BaseException], ...]:
    """The exceptions the step CLIs report as usage problems (imported lazily: stay light)."""
    from ideko.runtime.data.errors import DataError
    from ideko.runtime.training.config import ConfigError

    return (UserError, ConfigError, DataError, json.JSONDecodeError)


def json_object(text: str, what: str = "value") -> dict[str, Any]:
    """Parse a JSON object given inline or as ``@path/to/file.json``."""
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


def _plain(value: str) -> Path | None:
    """The path of a plain path or ``file://`` URI (a drive letter is no scheme); else None."""
    parsed = urlparse(value)
    if parsed.scheme == "file":
        return Path(unquote(parsed.path))
    if parsed.scheme == "" or len(parsed.scheme) == 1:
        return Path(value)
    return None


def local_path(value: str, what: str = "path") -> Path:
    """A local path from a plain path, a ``file://`` URI, or an object-store URI: read where
    KFP mounts its bucket (``s3://b/k`` -> ``/s3/b/k``), else downloaded once per process."""
    plain = _plain(value)
    if plain is not None:
        return plain
    parsed = urlparse(value)
    mount = MOUNTS.get(parsed.scheme)
    if mount is None:
        raise UserError(
            f"{what} {value!r}: scheme {parsed.scheme}:// is not readable here; "
            f"use a local path or one of {', '.join(f'{s}://' for s in MOUNTS)}"
        )
    mounted = Path(mount) / parsed.netloc / unquote(parsed.path).lstrip("/")
    if mounted.exists():
        return mounted
    from ideko.runtime.objectstore import fetch

    return fetch(value, what)


def local_dir(uri: str, what: str = "data_uri") -> Path:
    """An existing local directory from a path (relative to the cwd), a ``file://`` URI or an
    object-store prefix (mounted or downloaded, as :func:`local_path`)."""
    scheme = urlparse(uri).scheme
    if scheme in UNSUPPORTED_SCHEMES:
        raise UserError(
            f"{what} {uri!r}: {scheme}:// sources are not supported yet; "
            "download the data and pass a local directory"
        )
    path = _plain(uri)
    if path is None:
        if scheme not in MOUNTS:
            raise UserError(f"{what} {uri!r}: unknown scheme {scheme}://")
        path = local_path(uri, what)
    if not path.is_dir():
        problem = "does not exist" if not path.exists() else "is not a directory"
        raise UserError(f"{what} {uri!r} {problem}")
    return path.resolve()


def artifact_path(artifact: Any) -> str:
    """The local path of a KFP artifact object, or the value itself when it is a path."""
    if isinstance(artifact, str | os.PathLike):
        return os.fspath(artifact)
    path = getattr(artifact, "path", None)
    if not path:
        raise UserError(f"{artifact!r} has no local .path")
    return str(path)


def run_cli(
    parser: argparse.ArgumentParser,
    action: Callable[[argparse.Namespace], int],
    argv: Sequence[str] | None,
) -> int:
    """Parse ``argv`` and run ``action``; user errors become ``prog: error: …`` and status 2."""
    args = parser.parse_args(argv)
    try:
        return action(args)
    except user_errors() as exc:
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return 2


def step_main(
    build_parser: Callable[..., argparse.ArgumentParser],
    action: Callable[[argparse.Namespace], int],
) -> Callable[..., int]:
    """The ``main(argv=None, prog=None) -> int`` of a step CLI (``ideko step`` passes prog)."""

    def main(argv: Sequence[str] | None = None, prog: str | None = None) -> int:
        """CLI entry point; returns the exit status."""
        parser = build_parser(prog) if prog else build_parser()
        return run_cli(parser, action, argv)

    return main
