"""`ideko run SPEC.yaml` compiles in memory exactly what `ideko-compile` writes."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest
from ideko.cli.run_command import register
from ideko.cli.run_spec import compile_spec_file
from ideko.local.runner.errors import RunnerError
from ideko.local.runner.ir import parse_pipeline
from ideko.local.runner.ir_settings import ir_parallelism

ROOT = Path(__file__).resolve().parents[3]
SPEC = ROOT / "specs" / "ideko.yaml"


def test_in_memory_compile_equals_ideko_compile(tmp_path: Path):
    subprocess.run(
        [sys.executable, "-m", "ideko.compiler.cli", str(SPEC), "--out", str(tmp_path), "-q"],
        check=True,
        cwd=ROOT,
    )
    compiled = compile_spec_file(SPEC)
    (written,) = tmp_path.glob("*/pipeline.yaml")
    assert compiled.pipeline_text == written.read_text()
    pipeline = parse_pipeline(compiled.pipeline_text)
    assert ir_parallelism(pipeline.platform) == 2  # the spec's execution.parallelism


def test_invalid_spec_is_a_runner_error(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: ideko.dev/v1\nmetadata: {name: x}\n")
    with pytest.raises(RunnerError, match="invalid spec"):
        compile_spec_file(bad)


def test_run_command_accepts_a_spec(tmp_path: Path, capsys):
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: ideko.dev/v1\nmetadata: {name: x}\n")
    args = parser.parse_args(["run", str(bad), "--run-dir", str(tmp_path / "runs")])
    assert args.func(args) == 2
    err = capsys.readouterr().err
    assert "invalid spec" in err and "Traceback" not in err
