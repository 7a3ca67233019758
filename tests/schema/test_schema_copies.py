"""Copies outside the compiler that still exist agree with the one home, until their owners
import it: Katib's filter in the local tuner, the HPO cast in the local tuner, the runner's
``-p`` parser and retry durations. The compiler has no copy left: it reads spec durations
with ``ideko.schema.durations`` (checked here through what it compiles)."""

from __future__ import annotations

from pathlib import Path

import pytest
from ideko.schema import assignments, durations, env, metric_lines
from schema_specs import compile_spec, minimal

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


def test_compiled_durations_are_the_one_grammars_seconds(tmp_path: Path) -> None:
    retries = {"count": 1, "backoff": "2m", "max_backoff": "1h"}
    data = minimal(execution={"defaults": {"retries": retries, "timeout": "90m"}})
    _, files = compile_spec(tmp_path, data)
    (pipeline, _platform) = files["small/pipeline.yaml"]
    task = pipeline["root"]["dag"]["tasks"]["preprocess"]
    assert task["retryPolicy"]["backoffDuration"] == f"{durations.parse_duration('2m'):.0f}s"
    assert task["retryPolicy"]["backoffMaxDuration"] == f"{durations.parse_duration('1h'):.0f}s"
    container = pipeline["deploymentSpec"]["executors"]["exec-preprocess"]["container"]
    timeouts = [e["value"] for e in container["env"] if e["name"] == env.STEP_TIMEOUT_SECONDS]
    assert timeouts == [str(int(durations.parse_duration("90m")))]
    (experiment,) = files["small/katib/neural-network.yaml"]
    job = experiment["spec"]["trialTemplate"]["trialSpec"]["spec"]
    assert job["activeDeadlineSeconds"] == durations.parse_duration("90m")


def test_backoff_longer_than_max_backoff_is_compared_in_seconds(tmp_path: Path) -> None:
    from ideko.compiler.api import SpecError

    retries = {"count": 1, "backoff": "61m", "max_backoff": "1h"}
    with pytest.raises(SpecError, match=r"backoff \(61m\) is longer than max_backoff \(1h\)"):
        compile_spec(tmp_path, minimal(execution={"defaults": {"retries": retries}}))


@pytest.mark.parametrize("text", ["0s", "10s", "2m", "1h"])
def test_runner_retry_parser_agrees_on_spec_durations(text: str) -> None:
    retry = pytest.importorskip("ideko.local.runner.retry")
    assert retry.parse_duration(text) == durations.parse_duration(text)
