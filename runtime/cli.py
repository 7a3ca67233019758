"""``ideko step <name> …`` and ``ideko baseline …``.

``ideko step <name>`` forwards its arguments to ``ideko.runtime.steps.<name>.main`` — the
same CLI as ``python -m ideko.runtime.steps.<name>`` — importing only the chosen step, so
TensorFlow is loaded only by the steps that need it.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import sys
from typing import Any

from ideko.schema.steps import STEP_KINDS

STEPS: tuple[str, ...] = STEP_KINDS  # one module per kind under ideko.runtime.steps


def run_step(name: str, argv: list[str]) -> int:
    """Call ``ideko.runtime.steps.<name>.main(argv)`` with ``ideko step <name>`` as prog."""
    try:
        module = importlib.import_module(f"ideko.runtime.steps.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"ideko.runtime.steps.{name}":
            raise
        module = None
    main = getattr(module, "main", None)
    if main is None:
        print(
            f"ideko step: error: step {name!r} has no command line in this install", file=sys.stderr
        )
        return 2
    if "prog" in inspect.signature(main).parameters:
        return int(main(argv, prog=f"ideko step {name}") or 0)
    return int(main(argv) or 0)


def register(subparsers: Any) -> None:
    """Add the ``step`` and ``baseline`` commands to the top-level parser."""
    from ideko.runtime import baseline

    step = subparsers.add_parser(
        "step",
        help="run one pipeline step by hand, as a KFP task or Katib trial does",
        description="Run one step with plain arguments: ideko step train --help",
    )
    step.add_argument("name", choices=STEPS, help="the step to run")
    step.add_argument("args", nargs=argparse.REMAINDER, help="the step's own arguments")
    step.set_defaults(func=lambda args: run_step(args.name, list(args.args)))
    baseline.register(subparsers)
