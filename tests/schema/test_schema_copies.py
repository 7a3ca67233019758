"""Copies outside this helper's reach that still exist agree with the one home, until their
owners import it: Katib's filter in the local tuner, the HPO cast in the local tuner, the
runner's ``-p`` parser, the compiler's duration parsers."""

from __future__ import annotations

import pytest
from ideko.schema import assignments, durations, metric_lines

CASTS = [
    ("48.0", 32, ""),
    ("0.5", 0.1, ""),
    ("1", 0.1, ""),
    ("true", False, ""),
    ("adam", "sgd", "categorical"),
    ("7", None, "int"),
    ("0.01", None, "double"),
    ("3", None, "categorical"),
    ("x", None, "categorical"),
]


def test_local_tuner_reads_katibs_filter() -> None:
    metrics = pytest.importorskip("ideko.local.katib.metrics")
    assert metrics.DEFAULT_FILTER == metric_lines.KATIB_DEFAULT_FILTER


@pytest.mark.parametrize(("text", "current", "katib_type"), CASTS)
def test_local_tuner_casts_like_the_one_rule(text: str, current: object, katib_type: str) -> None:
    overrides = pytest.importorskip("ideko.runtime.katib.overrides")
    ours = assignments.cast_like(text, current, katib_type)
    theirs = overrides.typed(text, current, katib_type)
    assert (ours, type(ours)) == (theirs, type(theirs))


@pytest.mark.parametrize("item", ["a=1", " a =x=y", "a="])
def test_runner_params_split_like_the_one_parser(item: str) -> None:
    params = pytest.importorskip("ideko.local.runner.params")
    name, value = assignments.split_assignment(item)
    assert params.parse_assignments([item]) == {name: value}


@pytest.mark.parametrize("text", ["0s", "10s", "2m", "1h", "90m"])
def test_compiler_parsers_agree_on_spec_durations(text: str) -> None:
    from ideko.compiler.build import katib as build_katib
    from ideko.compiler.load import semantic

    seconds = durations.parse_duration(text)
    assert build_katib.duration_seconds(text) == seconds
    assert semantic._seconds(text) == seconds


def test_runner_reads_the_spec_retry_durations_from_the_ir() -> None:
    """The runner parses the IR's protobuf durations itself (no copy of the spec grammar):
    each task's backoff and retry window are the seconds the spec's durations mean."""
    from pathlib import Path

    from ideko.cli.run_spec import compile_spec_file
    from ideko.compiler.api import load_spec
    from ideko.local.runner.ir import parse_pipeline
    from ideko.local.runner.retry import RetryPolicy

    spec_file = Path(__file__).resolve().parents[2] / "specs" / "ideko.yaml"
    steps = load_spec(str(spec_file)).execution.steps
    pipeline = parse_pipeline(compile_spec_file(spec_file).pipeline_text)
    checked = 0
    for node in pipeline.containers():
        retries = steps[node.name.split("-")[0]].retries
        policy = RetryPolicy.from_task_spec(node.spec)
        assert policy.max_retries == retries.count, node.path
        if retries.count:
            assert policy.backoff == durations.parse_duration(retries.backoff), node.path
            assert policy.max_duration == durations.parse_duration(retries.max_backoff)
            checked += 1
    assert checked >= 10
