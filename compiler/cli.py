"""`ideko-compile` / `ideko compile`: spec → generated/<pipeline>/ (KFP IR + Katib manifests).

Arguments and messages only: the work is ``api.load_spec`` → ``api.write``, or with
``--check`` ``api.check`` (a comparison with what is on disk). Exit status: 0 success,
1 invalid spec or stale output, 2 usage error. User mistakes never show a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

DEFAULT_OUT = "generated"
EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def printable(text: str) -> str:
    """A path as the user gave it, printable (the loader's escape, imported when needed)."""
    from ideko.compiler.load.diagnostics import printable as escape

    return escape(text)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments shared by `ideko-compile` and `ideko compile`."""
    parser.add_argument("specs", nargs="+", metavar="SPEC", help="spec file(s) to compile")
    parser.add_argument(
        "--out",
        default=DEFAULT_OUT,
        metavar="DIR",
        help=f"output root; files go to DIR/<pipeline-name>/ (default: {DEFAULT_OUT}/)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 and print a unified diff when DIR is not what SPEC compiles to",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print only errors")


def _load(path: str) -> tuple[Any, list[str], int]:
    """Load one spec: (spec, [], EXIT_OK) or (None, diagnostic lines, exit status).

    A path naming no regular file is a usage error (2), as the README promises.
    """
    from ideko.compiler.api import SpecError, SpecNotFoundError, load_spec

    try:
        return load_spec(path), [], EXIT_OK
    except SpecError as exc:
        lines = [str(d) for d in getattr(exc, "diagnostics", [])] or [str(exc)]
        return None, lines, EXIT_USAGE if isinstance(exc, SpecNotFoundError) else EXIT_INVALID


def _compile_one(path: str, out_dir: Path, check: bool, quiet: bool) -> int:
    from ideko.compiler import api

    spec, diagnostics, status = _load(path)
    if spec is None:
        for line in diagnostics:
            print(line, file=sys.stderr)
        if status == EXIT_INVALID:
            print(f"{printable(path)}: invalid spec ({len(diagnostics)} problem(s))",
                  file=sys.stderr)
        return status
    try:
        files, lines = api.check(spec, out_dir) if check else api.write(spec, out_dir)
    except ValueError as exc:
        print(f"{path}: cannot compile: {exc}", file=sys.stderr)
        return EXIT_INVALID
    if check:
        return _report_check(path, out_dir, lines, quiet)
    if not quiet:
        for change in lines:
            print(change)
        print(
            f"{path}: compiled {len(files)} file(s) into {out_dir / spec.metadata.name}"
            + ("" if lines else " (unchanged)")
        )
    return EXIT_OK


def _report_check(path: str, out_dir: Path, diffs: list[str], quiet: bool) -> int:
    if diffs:
        sys.stdout.write("".join(diffs))
        print(
            f"{path}: {out_dir} is stale ({len(diffs)} file(s) differ); "
            f"run: ideko-compile {path}"
            + ("" if str(out_dir) == DEFAULT_OUT else f" --out {out_dir}"),
            file=sys.stderr,
        )
        return EXIT_INVALID
    if not quiet:
        print(f"{path}: {out_dir} is up to date")
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    """Compile (or check) every spec given; the worst exit status wins."""
    out_dir = Path(args.out)
    status = EXIT_OK
    for path in args.specs:
        try:
            result = _compile_one(path, out_dir, args.check, args.quiet)
        except OSError as exc:
            where = exc.filename or out_dir
            print(f"{printable(path)}: cannot write: {exc.strerror or exc}: {where}",
                  file=sys.stderr)
            result = EXIT_INVALID
        status = max(status, result)
    return status


def build_parser(prog: str = "ideko-compile") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Compile an ideko spec into KFP v2 IR and Katib Experiments.",
    )
    add_arguments(parser)
    return parser


def register(subparsers: Any) -> None:
    """Add `ideko compile` (the same command as `ideko-compile`) to the unified CLI."""
    parser = subparsers.add_parser(
        "compile",
        help="compile a spec into KFP v2 IR and Katib Experiments",
        description="Compile an ideko spec into KFP v2 IR and Katib Experiments.",
    )
    add_arguments(parser)
    parser.set_defaults(func=run)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `ideko-compile`."""
    args = build_parser().parse_args(argv)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
