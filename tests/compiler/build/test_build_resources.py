"""Task resources: the tune task is sized for the trials it runs at once, unless written."""

from __future__ import annotations

from dataclasses import replace

import build_specs
import pytest
from ideko.compiler.build.katib import build_katib
from ideko.compiler.build.pipeline import build_pipeline
from ideko.compiler.build.resources import task_resources, times
from ideko.compiler.load.spec_model import Resources


def _container(spec, task: str) -> dict:
    ir = build_pipeline(spec, build_katib(spec)).pipeline_spec
    return ir["deploymentSpec"]["executors"][f"exec-{task}"]["container"]


@pytest.mark.parametrize(
    ("quantity", "factor", "scaled"),
    [("1", 2, "2"), ("500m", 2, "1000m"), ("1.5", 3, "4.5"), ("2Gi", 2, "4Gi"),
     ("0.5Gi", 2, "1Gi"), ("512Mi", 3, "1536Mi"), (None, 4, None)],
)
def test_times_keeps_the_unit(quantity, factor, scaled):
    assert times(quantity, factor) == scaled


def test_times_refuses_a_quantity_it_cannot_read():
    with pytest.raises(ValueError, match="cannot scale"):
        times("1e3", 2)


def test_tune_task_requests_parallel_trials_times_the_trial():
    spec = build_specs.full()  # lstm: 2 parallel trials; train step 1/2 cpu, model 2Gi/4Gi
    lstm = next(m for m in spec.models if m.name == "lstm")
    assert lstm.hpo is not None and lstm.hpo.parallel_trials == 2
    trial = build_katib(spec)["lstm"]["spec"]["trialTemplate"]["trialSpec"]
    trial_resources = trial["spec"]["template"]["spec"]["containers"][0]["resources"]
    assert trial_resources == {
        "requests": {"cpu": "1", "memory": "2Gi"},
        "limits": {"cpu": "2", "memory": "4Gi"},
    }
    tune = _container(spec, "tune-lstm")["resources"]
    assert tune["resourceCpuRequest"] == "2" and tune["resourceCpuLimit"] == "4"
    assert tune["resourceMemoryRequest"] == "4Gi" and tune["resourceMemoryLimit"] == "8Gi"
    env = {e["name"]: e["value"] for e in _container(spec, "tune-lstm")["env"]}
    assert env["IDEKO_NUM_THREADS"] == "4"  # follows the task's cpu limit, like every task
    train = _container(spec, "train-lstm")["resources"]
    assert train["resourceCpuRequest"] == "1" and train["resourceMemoryRequest"] == "2Gi"


def test_the_factor_is_the_model_s_own_parallel_trials():
    spec = build_specs.hpo_heavy()  # cnn: 4 parallel trials, no resources anywhere
    cnn = next(m for m in spec.models if m.name == "cnn")
    sized = replace(cnn, resources=Resources(cpu_request="500m", memory_request="1Gi"))
    spec = replace(spec, models=tuple(sized if m.name == "cnn" else m for m in spec.models))
    assert task_resources(spec, "tune", sized) == Resources(
        cpu_request="2000m", cpu_limit=None, memory_request="4Gi", memory_limit=None
    )


def test_written_tune_resources_are_kept_as_written():
    spec = build_specs.full()
    steps = dict(spec.execution.steps)
    steps["tune"] = replace(
        steps["tune"], resources=Resources(cpu_request="500m"), own_resources=True
    )
    spec = replace(spec, execution=replace(spec.execution, steps=steps))
    lstm = next(m for m in spec.models if m.name == "lstm")
    # the model's own resources still override field by field, as for every tune task
    assert task_resources(spec, "tune", lstm) == Resources(
        cpu_request="1", memory_request="2Gi", memory_limit="4Gi"
    )
    no_own = replace(lstm, resources=Resources())
    assert task_resources(spec, "tune", no_own) == Resources(cpu_request="500m")


def test_untuned_and_non_tune_tasks_are_unchanged():
    spec = build_specs.full()
    rnn = next(m for m in spec.models if m.name == "rnn")
    assert task_resources(spec, "train", rnn) == spec.execution.steps["train"].resources
    assert task_resources(spec, "tune", rnn) == spec.execution.steps["tune"].resources
    assert task_resources(spec, "compare") == spec.execution.steps["compare"].resources
