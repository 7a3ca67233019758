"""Shared DAG shapes for the runner tests, compiled once per session (like Kedro's
tests/runner/conftest.py), and a helper to run them through the real runner."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from ideko.local.progress import LineProgress
from ideko.local.runner.run import LocalRunner, RunOptions, RunResult

# bench/kfp_local_helpers.py (kfp.local as the reference engine) is shared with the benchmark.
sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))


@pytest.fixture(scope="session")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from kfp import compiler
    from runner_pipelines import PIPELINES

    out = tmp_path_factory.mktemp("ir")
    paths = {}
    for name, pipeline in PIPELINES.items():
        paths[name] = out / f"{name}.yaml"
        compiler.Compiler().compile(pipeline, str(paths[name]))
    return paths


@pytest.fixture
def run_root(tmp_path: Path) -> Path:
    return tmp_path / "runs"


@pytest.fixture
def run_pipeline(run_root: Path) -> Callable[..., RunResult]:
    def run(source: Path | None, **options: object) -> RunResult:
        opts = RunOptions(run_root=run_root, poll_interval=0.02, **options)  # type: ignore[arg-type]
        return LocalRunner(opts, LineProgress()).run(source)

    return run
