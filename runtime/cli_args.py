"""Command-line plumbing shared by every step CLI (``ideko.runtime.steps.*``, baseline).

One place decides how a bad argument looks to a user: the errors of
:func:`ideko.runtime.errors.user_errors` become ``prog: error: …`` with exit status 2 instead
of a traceback. Stdlib-only, so any layer may import it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ideko.runtime.errors import UserError, user_errors


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


def add_required(parser: argparse.ArgumentParser, helps: Mapping[str, str]) -> None:
    """Add one required argument per ``{"--flag": help}`` entry (a step's inputs and outputs)."""
    for flag, text in helps.items():
        parser.add_argument(flag, required=True, help=text)


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
