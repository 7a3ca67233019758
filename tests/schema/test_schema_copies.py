"""The halves that read a shared fact read it from ``ideko.schema`` and mean the same by it:
the local collector reads the metric line the train step prints, the tuner's best
assignments and ``-p``/``--set-arg`` go through the one cast and the one splitter, the runner
reads the spec's retry durations from the IR, and the compiler (which has no copy left)
compiles spec durations to ``ideko.schema.durations``' seconds."""

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


def test_local_tuner_reads_what_the_train_step_prints() -> None:
    """The local collector has no filter of its own: the train step's metric line, read
    with its defaults, gives back exactly the values the line was built from."""
    from ideko.local.katib.metrics import LineParser

    values = {"score": 0.875, "validation_accuracy": 0.9, "training_time": 12.5}
    line = metric_lines.metric_line({**values, "loss": float("nan")})
    assert line is not None
    got = {m.name: m.value for m in LineParser(tuple(values)).parse(line)}
    assert got == values == metric_lines.parse_metric_line(line)


@pytest.mark.parametrize(("text", "current", "katib_type"), CASTS)
def test_best_overrides_cast_like_the_one_rule(text: str, current: object, katib_type: str) -> None:
    overrides = pytest.importorskip("ideko.runtime.katib.overrides")
    ours = assignments.cast_like(text, current, katib_type)
    theirs = overrides.cast_assignment(text, current, katib_type, "p")
    assert (ours, type(ours)) == (theirs, type(theirs))


@pytest.mark.parametrize("item", ["a=1", " a =x=y", "a="])
def test_runner_params_split_like_the_one_parser(item: str) -> None:
    params = pytest.importorskip("ideko.local.runner.params")
    name, value = assignments.split_assignment(item)
    assert params.parse_assignments([item]) == {name: value}


@pytest.mark.parametrize("item", ["=1", "novalue", ""])
def test_runner_and_tuner_refuse_what_the_one_parser_refuses(item: str) -> None:
    from ideko.local.katib.cli import parse_set_args
    from ideko.local.runner.errors import RunnerError
    from ideko.local.runner.params import parse_assignments
    from ideko.runtime.katib.errors import TuneError

    with pytest.raises(ValueError):
        assignments.split_assignment(item)
    with pytest.raises(RunnerError, match="-p expects name=value"):
        parse_assignments([item])
    with pytest.raises(TuneError, match="must be FLAG=VALUE"):
        parse_set_args([item])


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
