"""Entry point of `ideko`: dispatches subcommands to the modules that own them.

Each owning module exposes ``register(subparsers)`` and sets ``func`` on its parser; heavy
imports (TensorFlow, kfp) happen only inside the chosen command.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Modules that own subcommands, in the order a user meets them. A module that is not
# importable (e.g. the runtime without the [runtime] extra) leaves its commands out instead
# of breaking `ideko compile`.
COMMAND_MODULES: tuple[str, ...] = (
    "ideko.runtime.data.cli",
    "ideko.compiler.cli",
    "ideko.cli.run_command",
    "ideko.local.runner.lineage_cli",
    "ideko.local.katib.cli",
    "ideko.cli.submit",
    "ideko.runtime.cli",
    "ideko.cli.serve",
)

DESCRIPTION = """\
ideko turns one YAML spec into a Kubeflow pipeline (KFP v2) with Katib tuning,
and runs that same pipeline on this machine."""
EPILOG = """\
a typical session:
  ideko data synth data/synthetic --seed 7     make IDEKO-like sensor data
  ideko compile specs/ideko.yaml               write generated/<name>/
  ideko run specs/ideko.yaml -p data_uri=data/synthetic
                                               run the pipeline here
  ideko runs show RUN_ID                       what a run did (ideko runs list)
  ideko tune generated/<name>/katib/lstm.yaml  tune one model here

`ideko COMMAND --help` lists a command's options.
"""


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser from every command module that is installed."""
    parser = argparse.ArgumentParser(
        prog="ideko",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith("ideko"):
                continue
            raise
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run `ideko`; exit status 2 for usage errors as argparse does."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
