"""Compile an ideko spec in memory for ``ideko run SPEC.yaml``.

The runner must not import the compiler (import-linter contract), so this bridge lives in
``ideko.cli``, the one layer allowed to see both. The IR text is exactly what
``ideko-compile`` would write to ``generated/<name>/pipeline.yaml``: the PipelineSpec and the
PlatformSpec documents, so the runner reads the spec's parallelism from the same place in
both cases.
"""

from __future__ import annotations

from pathlib import Path

from ideko.local.runner.cli import CompiledSpec
from ideko.local.runner.errors import RunnerError


def compile_spec_file(path: Path) -> CompiledSpec:
    """Load, validate and compile ``path``; an invalid spec is a ``RunnerError`` listing why."""
    from ideko.compiler.api import SpecError, load_spec, render

    try:
        spec = load_spec(str(path))
    except SpecError as exc:
        lines = [str(d) for d in getattr(exc, "diagnostics", [])] or [str(exc)]
        raise RunnerError(f"{path}: invalid spec:\n" + "\n".join(lines)) from exc
    try:
        files = render(spec)
    except ValueError as exc:
        raise RunnerError(f"{path}: cannot compile: {exc}") from exc
    key = f"{spec.metadata.name}/pipeline.yaml"
    return CompiledSpec(pipeline_text=files[key], source=str(path))
