"""End-to-end behaviour of LocalRunner on tiny compiled pipelines: artifact passing, nested
conditions, parallel admission, thread caps, retries, failures, timeouts, cache, lineage."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from ideko.local.runner.errors import RunnerError
from ideko.local.runner.lineage import LineageStore
from ideko.local.runner.runs_view import model_chains
from ideko.local.runner.state import RunPaths, load_state


def _timing(result, task):
    model = Path(result.records[task].outputs.artifacts["model"].uri)
    return json.loads((model / "timing.json").read_text())


def test_fan_out_fan_in_with_conditions(compiled, run_pipeline, run_root):
    result = run_pipeline(compiled["fan"], parameters={"n": "3"})
    assert result.status == "succeeded", result.failure
    states = {path: r.state for path, r in result.records.items()}
    assert states["make-data"] == "succeeded"
    assert states["condition-1/pick-best"] == "succeeded"
    assert result.records["condition-1/pick-best"].outputs.parameters == {"Output": "b"}
    assert states["condition-1/condition-2/evaluate-model-3"] == "skipped"
    # artifacts flow: the evaluation read the model trained from make-data's dataset
    assert result.records["condition-1/evaluate-model-2"].outputs.parameters["Output"] == 0.6
    metrics = result.records["condition-1/evaluate-model"].outputs.artifacts["metrics"]
    assert metrics.metadata == {"accuracy": 0.3}
    # run directory layout
    paths = RunPaths(run_root.resolve(), result.run_id)
    assert paths.pipeline_file.read_text() == compiled["fan"].read_text()
    assert paths.log_file("condition-1/train-model", 1).exists()
    assert load_state(paths).status == "succeeded"


def test_quality_gate_false_skips_the_whole_group(compiled, run_pipeline):
    result = run_pipeline(compiled["fan"], parameters={"n": "0"})
    assert result.status == "succeeded"
    inner = [r.state for p, r in result.records.items() if p.startswith("condition-1/")]
    assert inner and set(inner) == {"skipped"}
    assert result.records["condition-1/train-model"].message == "its condition group was skipped"
    why = result.skipped_groups["quality-gate"]
    assert why.startswith("condition false:") and "make-data-Output='FAIL'" in why


def test_independent_tasks_overlap_and_parallelism_one_serialises(
    compiled, run_pipeline, monkeypatch
):
    monkeypatch.setenv("TEST_TRAIN_SLEEP", "1.0")
    parallel = run_pipeline(compiled["fan"], parallelism=2, use_cache=False)
    a = _timing(parallel, "condition-1/train-model")
    b = _timing(parallel, "condition-1/train-model-2")
    assert a["start"] < b["end"] and b["start"] < a["end"], "the two trainings did not overlap"
    serial = run_pipeline(compiled["fan"], parallelism=1, use_cache=False)
    a = _timing(serial, "condition-1/train-model")
    b = _timing(serial, "condition-1/train-model-2")
    assert a["end"] <= b["start"] or b["end"] <= a["start"]


def test_cpu_requests_keep_a_two_core_machine_from_oversubscription(
    compiled, run_pipeline, monkeypatch
):
    from ideko.local.runner import run as run_module
    from ideko.local.runner.scheduler import Capacity

    monkeypatch.setattr(run_module.Capacity, "of_machine", lambda: Capacity(cpu=2, memory=2**34))
    monkeypatch.setenv("TEST_TRAIN_SLEEP", "0.7")
    result = run_pipeline(compiled["heavy"], parallelism=2)
    a, b = _timing(result, "train-model"), _timing(result, "train-model-2")
    assert a["end"] <= b["start"] or b["end"] <= a["start"], "two 2-cpu tasks overlapped"


def test_a_request_larger_than_the_machine_runs_alone_instead_of_waiting_forever(
    compiled, run_pipeline, monkeypatch
):
    """The tune task asks parallel_trials x a trial's cpu, which can exceed a small machine:
    it must start once nothing else runs, and nothing may start beside it."""
    from ideko.local.runner import run as run_module
    from ideko.local.runner.scheduler import Capacity

    monkeypatch.setattr(run_module.Capacity, "of_machine", lambda: Capacity(cpu=1, memory=2**34))
    monkeypatch.setenv("TEST_TRAIN_SLEEP", "0.5")
    result = run_pipeline(compiled["heavy"], parallelism=2)
    assert result.status == "succeeded"
    a, b = _timing(result, "train-model"), _timing(result, "train-model-2")
    assert a["end"] <= b["start"] or b["end"] <= a["start"], "two 2-cpu tasks overlapped"


def test_thread_caps_follow_cpu_requests(compiled, run_pipeline):
    result = run_pipeline(compiled["threads"])
    seen = {p: r.outputs.parameters["Output"] for p, r in result.records.items()}
    assert seen["threads-seen"] == "2,2,2"  # cpu request 2 on a >= 2 core machine
    assert seen["threads-seen-2"] == "1,1,1"  # 500m rounds to at least one thread


def test_retry_until_success(compiled, run_pipeline, tmp_path):
    counter = tmp_path / "count"
    result = run_pipeline(compiled["flaky"], parameters={"counter": str(counter)})
    assert result.status == "succeeded", result.failure
    record = result.records["flaky"]
    assert record.attempts == 3 and record.outputs.parameters["Output"] == 3
    paths = RunPaths(result.run_dir.parent, result.run_id)
    assert "injected failure 2 of 2" in paths.log_file("flaky", 2).read_text()


def test_retry_backoff_is_waited(compiled, run_pipeline, tmp_path):
    result = run_pipeline(compiled["backoff"], parameters={"counter": str(tmp_path / "c")})
    assert result.status == "succeeded", result.failure
    record = result.records["flaky"]
    assert record.attempts == 3
    assert 4.0 <= record.duration < 14  # 1s + 3s between the three attempts


def test_retries_stop_when_the_retry_window_closes(compiled, run_pipeline, tmp_path):
    """backoff_max_duration is KFP's retry window: no attempt starts after it."""
    result = run_pipeline(compiled["window"], parameters={"counter": str(tmp_path / "c")})
    assert result.status == "failed"
    record = result.records["flaky"]
    assert 1 <= record.attempts <= 3  # not the 10 the retry count allows
    assert record.duration < 3 + 3  # the last attempt started inside the window
    assert "retries stopped: the retry window (backoff_max_duration 3s) closed" in (
        result.failure
    )


def test_exhausted_retries_fail_with_log_tail(compiled, run_pipeline, tmp_path):
    counter = tmp_path / "count"
    result = run_pipeline(
        compiled["flaky"], parameters={"counter": str(counter), "fail_times": "5"}
    )
    assert result.status == "failed" and result.exit_code == 1
    assert result.records["flaky"].attempts == 3
    assert "task flaky failed after 3 attempt(s)" in result.failure
    assert "injected failure 3 of 5" in result.failure


def test_failure_lets_running_branch_finish(compiled, run_pipeline, tmp_path):
    result = run_pipeline(
        compiled["failing"], parameters={"counter": str(tmp_path / "c"), "seconds": "1.5"}
    )
    assert result.status == "failed"
    assert result.records["flaky"].state == "failed"
    assert result.records["sleeper"].state == "succeeded"
    assert result.records["sleeper"].outputs.parameters["Output"] == "slept"


def test_step_timeout_kills_the_task(compiled, run_pipeline):
    result = run_pipeline(compiled["timeout"])
    assert result.status == "failed"
    assert result.records["sleeper"].duration < 15
    assert "timed out" in result.failure


def test_second_run_is_fully_cached_and_damage_is_a_miss(compiled, run_pipeline, run_root):
    first = run_pipeline(compiled["fan"])
    second = run_pipeline(compiled["fan"])
    ran = [p for p, r in second.records.items() if r.state == "succeeded" and not r.cached]
    assert ran == []
    assert second.records["condition-1/pick-best"].outputs.parameters == {"Output": "b"}
    model = Path(second.records["condition-1/train-model"].outputs.artifacts["model"].uri)
    assert second.run_id in str(model) and (model / "weights.txt").read_text() == "2"
    # damage every cached copy of the first model: its training re-runs, nothing crashes
    key = first.records["condition-1/train-model"].cache_key
    shutil.rmtree(run_root / "cache" / key / "artifacts" / "model")
    third = run_pipeline(compiled["fan"])
    assert third.status == "succeeded"
    assert not third.records["condition-1/train-model"].cached
    assert third.records["condition-1/train-model-2"].cached
    no_cache = run_pipeline(compiled["fan"], use_cache=False)
    assert not any(r.cached for r in no_cache.records.values())


def test_changed_parameter_reruns_only_downstream(compiled, run_pipeline):
    run_pipeline(compiled["fan"], parameters={"n": "2"})
    again = run_pipeline(compiled["fan"], parameters={"n": "4"})
    assert not again.records["make-data"].cached
    assert not again.records["condition-1/train-model"].cached


def test_lineage_records_chain(compiled, run_pipeline, run_root):
    result = run_pipeline(compiled["fan"])
    store = LineageStore(run_root / "lineage.sqlite")
    try:
        run = store.run(result.run_id)
        assert run is not None and run.status == "succeeded"
        tasks = {e.task: e for e in store.executions(result.run_id)}
        assert tasks["condition-1/train-model"].input_parameters == {"k": 1}
        chains = {c.trained_by: c for c in model_chains(store, result.run_id)}
        chain = chains["condition-1/train-model"]
        assert chain.data == {"n": 2, "data_fingerprint": "n=2"}
        assert [(p, a.name) for p, a in chain.datasets] == [("make-data", "data")]
        assert chain.model.digest.startswith("sha256:")
        scored = {(t, m.metadata["accuracy"]) for t, m in chain.metrics}
        assert ("condition-1/evaluate-model", 0.2) in scored
    finally:
        store.close()


def test_condition_error_fails_the_run_cleanly(compiled, run_pipeline, tmp_path):
    import yaml

    doc = yaml.safe_load(compiled["fan"].read_text())
    gate = doc["root"]["dag"]["tasks"]["condition-1"]["triggerPolicy"]
    assert "make-data-Output" in gate["condition"]
    gate["condition"] = "inputs.parameter_values['x'] == 1"
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump(doc))
    result = run_pipeline(broken)
    assert result.status == "failed"
    assert "failed to evaluate" in result.failure
    assert result.records["make-data"].state == "succeeded"
    assert result.records["condition-1/train-model"].state == "not run"
    assert load_state(RunPaths(result.run_dir.parent, result.run_id)).status == "failed"


def test_failed_run_resumes_and_keeps_finished_work(compiled, run_pipeline, tmp_path):
    counter = tmp_path / "count"
    params = {"counter": str(counter), "fail_times": "3"}  # 3 attempts allowed, 4th succeeds
    failed = run_pipeline(compiled["flaky"], parameters=params)
    assert failed.status == "failed" and counter.read_text() == "3"
    resumed = run_pipeline(None, resume=failed.run_id)
    assert resumed.status == "succeeded", resumed.failure
    assert resumed.run_id == failed.run_id
    assert resumed.records["flaky"].outputs.parameters["Output"] == 4
    paths = RunPaths(resumed.run_dir.parent, resumed.run_id)
    assert [paths.log_file("flaky", n).exists() for n in (1, 2, 3, 4)] == [True] * 4


def test_resume_reads_state_json_through_its_versioned_contract(compiled, run_pipeline):
    from ideko.schema.documents import CONTRACTS

    result = run_pipeline(compiled["threads"])
    state_file = result.run_dir / "state.json"
    saved = json.loads(state_file.read_text())
    assert saved["schema_version"] == CONTRACTS["run_state"].current
    cases = [
        ({**saved, "schema_version": saved["schema_version"] + 1}, "is newer than"),
        ({k: v for k, v in saved.items() if k != "run_id"}, "'run_id' is a required property"),
        ({**saved, "status": "exploded"}, "status: 'exploded' is not one of"),
    ]
    for damaged, message in cases:
        state_file.write_text(json.dumps(damaged))
        with pytest.raises(RunnerError, match=f"state.json cannot be resumed: .*{message}"):
            run_pipeline(None, resume=result.run_id)
    state_file.write_text("{not json")
    with pytest.raises(RunnerError, match=r"state\.json is damaged"):
        run_pipeline(None, resume=result.run_id)
    state_file.write_text(json.dumps(saved))
    assert run_pipeline(None, resume=result.run_id).status == "succeeded"
