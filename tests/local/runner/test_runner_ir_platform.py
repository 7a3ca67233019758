"""The IR's second document: kfp's PlatformSpec, and the parallelism ideko keeps in it."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
import yaml
from ideko.cli.run_spec import compile_spec_file
from ideko.local.runner.errors import RunnerError
from ideko.local.runner.ir import load_pipeline, parse_pipeline
from ideko.local.runner.ir_settings import ir_parallelism, run_parallelism
from ideko.local.runner.scheduler import Request
from ideko.schema.defaults import DEFAULT_PARALLELISM
from ideko.schema.ir_platform import PARALLELISM_KEY, PLATFORM

ROOT = Path(__file__).resolve().parents[3]
SPEC = ROOT / "specs" / "ideko.yaml"
GENERATED = ROOT / "generated" / "ideko-anomaly-classification" / "pipeline.yaml"


def with_platform(text: str, platform: object) -> str:
    return text + "---\n" + yaml.safe_dump(platform)


def platform_of(value: object) -> dict[str, object]:
    return {"platforms": {PLATFORM: {"config": {PARALLELISM_KEY: value}}}}


def test_the_committed_pipeline_carries_its_spec_parallelism():
    pipeline = load_pipeline(GENERATED)
    assert pipeline.name == "ideko-anomaly-classification"
    assert ir_parallelism(pipeline.platform) == 2  # kfp writes it as 2.0


def test_a_single_document_has_no_platform_spec(compiled):
    pipeline = load_pipeline(compiled["fan"])
    assert pipeline.platform == {}
    assert ir_parallelism(pipeline.platform) is None


def test_platform_spec_is_checked_strictly(compiled):
    text = compiled["fan"].read_text()
    with pytest.raises(RunnerError, match="not a valid KFP PlatformSpec"):
        parse_pipeline(with_platform(text, {"platforms": {PLATFORM: {"confg": {}}}}))
    with pytest.raises(RunnerError, match="not a valid KFP PlatformSpec"):
        parse_pipeline(with_platform(text, {"extra": 1}))
    with pytest.raises(RunnerError, match="must be a mapping"):
        parse_pipeline(with_platform(text, [1, 2]))
    with pytest.raises(RunnerError, match="found 3 documents"):
        parse_pipeline(with_platform(with_platform(text, {}), platform_of(1)))


@pytest.mark.parametrize("value", [2, 2.0])
def test_whole_numbers_are_a_parallelism(value):
    assert ir_parallelism(platform_of(value)) == 2


@pytest.mark.parametrize("value", [2.5, 0, -1.0, "2", True, float("inf"), [2]])
def test_anything_else_is_refused_with_the_key_named(value):
    with pytest.raises(RunnerError, match=r"platforms\.ideko\.config\.parallelism must be a whole"):
        ir_parallelism(platform_of(value), "p.yaml")


def test_flag_beats_the_ir_which_beats_the_default(compiled):
    text = compiled["fan"].read_text()
    with_one = parse_pipeline(with_platform(text, platform_of(1.0)))
    without = parse_pipeline(text)
    assert run_parallelism(3, with_one, cores=2) == (3, "--parallelism")
    assert run_parallelism(None, with_one, cores=2) == (1, "the IR")
    assert run_parallelism(None, without, cores=8) == (DEFAULT_PARALLELISM, "default")
    big = parse_pipeline(with_platform(text, platform_of(6.0)))
    assert run_parallelism(None, big, cores=2) == (2, "the IR asks 6, capped to 2 cores")
    bad = parse_pipeline(with_platform(text, platform_of(1.5)), "runs/x/pipeline.yaml")
    with pytest.raises(RunnerError, match=r"^runs/x/pipeline\.yaml: platforms\.ideko"):
        run_parallelism(None, bad, cores=2)


def test_the_runner_uses_the_ir_value(compiled, run_pipeline, tmp_path):
    source = tmp_path / "fan.yaml"
    source.write_text(with_platform(compiled["fan"].read_text(), platform_of(1.0)))
    result = run_pipeline(source, parameters={"n": 3})
    assert result.status == "succeeded"
    assert (result.parallelism, result.parallelism_from) == (1, "the IR")
    resumed = run_pipeline(None, resume=result.run_id)  # the run's own copy keeps it
    assert resumed.parallelism == 1


def test_spec_and_its_compiled_file_run_with_the_same_settings(tmp_path):
    """``ideko run spec.yaml`` and ``ideko run pipeline.yaml`` read the same documents: the
    same parallelism and the same tune-task admission request."""
    from ideko.local.runner.cli import _source, register

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(), compile_spec_file)
    from_spec = _source(parser.parse_args(["run", str(SPEC)]), None, compile_spec_file)
    from_file = load_pipeline(GENERATED)
    assert from_spec.platform == from_file.platform
    assert run_parallelism(None, from_spec, 2) == run_parallelism(None, from_file, 2)
    requests = [
        {n.path: Request.from_container(n.executor or {}) for n in p.containers()}
        for p in (from_spec, from_file)
    ]
    assert requests[0] == requests[1]
    assert requests[0]["condition-1/tune-lstm"].cpu >= requests[0]["condition-1/train-lstm"].cpu


def test_a_bad_ir_parallelism_fails_before_a_run_is_created(compiled, run_pipeline, tmp_path):
    source = tmp_path / "fan.yaml"
    source.write_text(with_platform(compiled["fan"].read_text(), platform_of(0.5)))
    with pytest.raises(RunnerError, match=f"{source}: platforms.ideko.config.parallelism"):
        run_pipeline(source, parameters={"n": 3})
    runs = tmp_path / "runs"
    assert not runs.exists() or not [p for p in runs.iterdir() if (p / "state.json").exists()]


def test_ideko_run_takes_a_two_document_pipeline_file(compiled, run_root, tmp_path, capsys):
    from ideko.local.runner.cli import main

    source = tmp_path / "pipeline.yaml"
    source.write_text(with_platform(compiled["fan"].read_text(), platform_of(1.0)))
    assert main(["run", str(source), "--run-dir", str(run_root), "-p", "n=3"]) == 0
    err = capsys.readouterr().err
    assert "succeeded" in err and "parallelism: 1 (the IR)" in err
