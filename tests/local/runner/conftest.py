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
    """Run through LocalRunner; tasks start as fresh processes unless ``launcher="warm"`` is
    given (test_runner_kfp_fork.py's warm-server tests do; `ideko run` through the CLI and
    test_runner_ideko.py use the warm default). A warm server importing TensorFlow for these
    stdlib-only tasks would be paid in every run and forked by hardly any of them: a run of
    these pipelines is over before the server is ready."""

    def run(source: Path | None, **options: object) -> RunResult:
        options.setdefault("launcher", "process")
        opts = RunOptions(run_root=run_root, poll_interval=0.02, **options)  # type: ignore[arg-type]
        return LocalRunner(opts, LineProgress()).run(source)

    return run
