"""Unit behaviour of the runner's small modules: durations/backoff, quantities and admission,
CEL conditions, parameter casting, cache keys and the cache store's damage handling."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ideko.local.runner.artifacts import ArtifactRef, Outputs, tree_digest
from ideko.local.runner.cache import CacheStore
from ideko.local.runner.conditions import evaluate_condition
from ideko.local.runner.errors import RunnerError
from ideko.local.runner.params import parse_assignments, pipeline_arguments
from ideko.local.runner.retry import RetryPolicy, parse_duration
from ideko.local.runner.scheduler import Capacity, Request, ResourcePool, parse_quantity


def test_durations_are_protobuf_json_durations():
    assert parse_duration("10s") == 10 and parse_duration("120s") == 120
    assert parse_duration("1.5s") == 1.5 and parse_duration(None) == 0
    for bad in ("ten seconds", "2m", "10", "-1s"):  # the IR holds seconds only
        with pytest.raises(RunnerError, match="invalid duration"):
            parse_duration(bad)


def test_exponential_backoff_inside_the_retry_window():
    policy = RetryPolicy.from_task_spec(
        {"retryPolicy": {"maxRetryCount": 3, "backoffDuration": "10s",
                         "backoffFactor": 2.0, "backoffMaxDuration": "45s"}}
    )  # fmt: skip
    assert policy.max_attempts == 4 and policy.max_duration == 45
    assert [policy.delay_before(n) for n in (1, 2, 3, 4)] == [0, 10, 20, 40]  # no cap per wait
    # the rule: elapsed since the first attempt started + the next wait <= the window
    assert policy.next_retry(attempts=1, elapsed=1).delay == 10  # starts at 11s
    assert policy.next_retry(attempts=2, elapsed=25).delay == 20  # starts at 45s: inside
    late = policy.next_retry(attempts=2, elapsed=25.5)  # would start at 45.5s
    assert late.delay is None and "retry window (backoff_max_duration 45s) closed" in late.why_not
    used_up = policy.next_retry(attempts=4, elapsed=0)
    assert used_up.delay is None and used_up.why_not == ""
    default = RetryPolicy.from_task_spec({"retryPolicy": {"maxRetryCount": 1}})
    assert default.max_duration == 3600 and default.next_retry(1, 0).delay == 0
    assert RetryPolicy.from_task_spec({}).max_attempts == 1


def test_quantities_and_requests():
    assert parse_quantity("500m") == 0.5
    assert parse_quantity("1Gi") == 2**30
    assert parse_quantity(2) == 2.0
    request = Request.from_container(
        {"resources": {"resourceCpuRequest": "2", "resourceMemoryRequest": "512Mi"}}
    )
    assert request == Request(cpu=2.0, memory=512 * 2**20)
    assert Request.from_container({}).cpu == 1.0
    assert Request(cpu=0.5).threads(2) == 1 and Request(cpu=4).threads(2) == 2
    with pytest.raises(RunnerError):
        parse_quantity("lots")


def test_pool_admits_by_cpu_memory_and_parallelism():
    pool = ResourcePool(Capacity(cpu=2, memory=4 * 2**30), parallelism=3)
    one = Request(cpu=1, memory=2**30)
    pool.acquire("a", one)
    assert pool.can_admit(one)
    pool.acquire("b", one)
    assert not pool.can_admit(Request(cpu=0.5))  # cpu full
    pool.release("b")
    assert not pool.can_admit(Request(cpu=1, memory=4 * 2**30))  # memory
    pool.release("a")
    assert pool.can_admit(Request(cpu=8))  # too big for the machine: runs alone
    tight = ResourcePool(Capacity(cpu=8, memory=2**40), parallelism=1)
    tight.acquire("a", Request(cpu=0.1))
    assert not tight.can_admit(Request(cpu=0.1))
    with pytest.raises(RunnerError):
        ResourcePool(Capacity(1, 1), parallelism=0)


def test_ready_tasks_start_longest_chain_first_then_largest_request_then_ir_order():
    """The demo's five tune tasks all head chains of five: the LSTM's (2Gi declared) starts
    first instead of third in IR (name) order, so the longest pole is not started late."""
    from types import SimpleNamespace

    from ideko.local.runner.run import LocalRunner

    def node(cpu: str, memory: str) -> SimpleNamespace:
        resources = {"resourceCpuRequest": cpu, "resourceMemoryRequest": memory}
        return SimpleNamespace(executor={"resources": resources})

    nodes = {
        "tune-cnn": node("1", "1Gi"),
        "tune-fcn": node("1", "1Gi"),
        "tune-lstm": node("1", "2Gi"),
        "tune-wide": node("2", "1Gi"),
        "train-cnn": node("2", "4Gi"),
    }
    runner = SimpleNamespace(
        pipeline=SimpleNamespace(nodes=nodes), priority={p: 4 if "train" in p else 5 for p in nodes}
    )
    ready = sorted(nodes, key=lambda path: LocalRunner._rank(runner, path))
    assert ready == ["tune-wide", "tune-lstm", "tune-cnn", "tune-fcn", "train-cnn"]


def test_cel_conditions_are_evaluated_not_eval():
    values = {"pipelinechannel--p-Output": "PASS", "x": 0.7, "flag": True}
    gate = "inputs.parameter_values['pipelinechannel--p-Output'] == 'PASS'"
    assert evaluate_condition(gate, values)
    assert not evaluate_condition("inputs.parameter_values['x'] > 0.9", values)
    assert evaluate_condition("inputs.parameter_values['flag'] == true && !(1 > 2)", values)
    # Python-only syntax is not CEL: eval would accept this, CEL must not.
    with pytest.raises(RunnerError):
        evaluate_condition("__import__('os').getcwd() != ''", values)
    with pytest.raises(RunnerError, match="failed to evaluate"):
        evaluate_condition("inputs.parameter_values['missing'] == 'a'", values)
    with pytest.raises(RunnerError, match="not a boolean"):
        evaluate_condition("inputs.parameter_values['x']", values)


def test_parameters_are_checked_and_cast():
    root = {
        "n": {"parameterType": "NUMBER_INTEGER", "defaultValue": 2.0},
        "rate": {"parameterType": "NUMBER_DOUBLE"},
        "on": {"parameterType": "BOOLEAN", "defaultValue": False},
    }
    given = parse_assignments(["rate=0.5", "on=true"])
    assert pipeline_arguments(root, given) == {"n": 2, "rate": 0.5, "on": True}
    with pytest.raises(RunnerError, match="unknown pipeline parameter"):
        pipeline_arguments(root, {"rate": "1", "nope": "1"})
    with pytest.raises(RunnerError, match="missing required"):
        pipeline_arguments(root, {})
    with pytest.raises(RunnerError, match="NUMBER_INTEGER"):
        pipeline_arguments(root, {"rate": "1", "n": "two"})
    with pytest.raises(RunnerError, match="name=value"):
        parse_assignments(["novalue"])


def test_tree_digest_covers_names_and_bytes(tmp_path: Path):
    d = tmp_path / "d"
    d.mkdir()
    (d / "a.txt").write_text("1")
    first = tree_digest(d)
    (d / "a.txt").write_text("2")
    assert tree_digest(d) != first
    (d / "a.txt").write_text("1")
    assert tree_digest(d) == first
    (d / "a.txt").rename(d / "b.txt")
    assert tree_digest(d) != first
    assert tree_digest(tmp_path / "missing") == ""


def _outputs(tmp_path: Path) -> Outputs:
    model = tmp_path / "produced" / "model"
    model.mkdir(parents=True)
    (model / "w.txt").write_text("weights")
    ref = ArtifactRef("model", str(model), "system.Model", metadata={"k": 1},
                      digest=tree_digest(model))  # fmt: skip
    return Outputs(parameters={"acc": 0.5}, artifacts={"model": ref})


def test_cache_round_trip_and_damage_is_a_miss(tmp_path: Path):
    store = CacheStore(tmp_path / "cache")
    store.store("k1", _outputs(tmp_path))
    restored = store.restore("k1", tmp_path / "run" / "task")
    assert restored is not None
    assert restored.parameters == {"acc": 0.5}
    model = restored.artifacts["model"]
    assert Path(model.uri) == tmp_path / "run" / "task" / "model"
    assert (Path(model.uri) / "w.txt").read_text() == "weights"
    assert model.metadata == {"k": 1}
    assert store.restore("other", tmp_path / "run" / "x") is None
    # corrupt the cached artifact: a miss, and no half-restored output left behind
    (tmp_path / "cache" / "k1" / "artifacts" / "model" / "w.txt").write_text("tampered")
    assert store.restore("k1", tmp_path / "run" / "task") is None
    assert not (tmp_path / "run" / "task").exists()
    # missing artifact and unreadable entry are misses too
    store.store("k2", _outputs(tmp_path / "again"))
    import shutil

    shutil.rmtree(tmp_path / "cache" / "k2" / "artifacts" / "model")
    assert store.restore("k2", tmp_path / "run" / "t2") is None
    store.store("k3", _outputs(tmp_path / "third"))
    (tmp_path / "cache" / "k3" / "entry.json").write_text("{not json")
    assert store.restore("k3", tmp_path / "run" / "t3") is None
    json.loads((tmp_path / "cache" / "k1" / "entry.json").read_text())
