"""Registers ``ideko run`` / ``ideko runs`` with the spec compiler injected.

``ideko.local.runner.cli`` owns the commands but cannot import the compiler; listing this
module in ``COMMAND_MODULES`` (instead of the runner's) lets ``ideko run SPEC.yaml`` compile
in memory while ``ideko run pipeline.yaml`` never touches the compiler.
"""

from __future__ import annotations

from typing import Any

from ideko.cli.run_spec import compile_spec_file
from ideko.local.runner import cli as runner_cli


def register(subparsers: Any) -> None:
    runner_cli.register(subparsers, compile_spec=compile_spec_file)
