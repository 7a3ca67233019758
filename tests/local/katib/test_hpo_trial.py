"""Trial template substitution, argument rewriting and running one trial."""

import sys

import pytest
from hpo_helpers import categorical, manifest
from ideko.local.katib.trial import (
    TrialProcess,
    TrialResult,
    container_command,
    substitute,
)
from ideko.runtime.katib.errors import TuneError
from ideko.runtime.katib.experiment import plan_from_dict
from ideko.runtime.katib.trial_args import drop_arg, inject_train_data, set_arg


def test_substitution_everywhere_in_the_job():
    params = [
        {"name": "lr", "parameterType": "double", "feasibleSpace": {"min": "0.001", "max": "0.1"}},
        categorical("act", ["relu", "tanh"]),
    ]
    document = manifest(
        parameters=params,
        args=[
            "--set",
            "training_parameters.learning_rate=${trialParameters.lr}",
            "--act=${trialParameters.act}",
        ],
    )
    template = document["spec"]["trialTemplate"]
    template["trialParameters"].append({"name": "trialName", "reference": "${trialSpec.Name}"})
    container = template["trialSpec"]["spec"]["template"]["spec"]["containers"][0]
    container["env"] = [
        {"name": "RUN", "value": "${trialParameters.trialName}/${trialParameters.lr}"}
    ]
    plan = plan_from_dict(document)
    job = substitute(plan, {"lr": "0.003", "act": "tanh"}, "exp-007")
    argv, env = container_command(job, "training-container")
    assert argv[0] == sys.executable  # `python` means this interpreter
    assert argv[2:] == ["--set", "training_parameters.learning_rate=0.003", "--act=tanh"]
    assert env == {"RUN": "exp-007/0.003"}
    assert "${" not in repr(job)
    # the plan's template is untouched
    assert "${trialParameters.lr}" in repr(plan.template.trial_spec)


def test_container_without_command_is_a_clear_error():
    job = {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "x"}]}}}}
    with pytest.raises(TuneError, match="no command/args"):
        container_command(job, "c")


def test_argument_rewriting():
    argv = ["--model-config", "{}", "--data-uri", "raw", "--data-config", "{}", "--seed", "2"]
    assert inject_train_data(argv, "/tmp/train.npz") == [
        "--model-config",
        "{}",
        "--data-config",
        "{}",
        "--seed",
        "2",
        "--train-data",
        "/tmp/train.npz",
    ]
    assert inject_train_data(["--data-uri=raw"], "s3://b/t.npz") == ["--train-data", "s3://b/t.npz"]
    assert set_arg(["--seed", "2"], "seed", "5") == ["--seed", "5"]
    assert set_arg(["--seed=2"], "--seed", "5") == ["--seed=5"]
    assert drop_arg(["--a", "1", "--b", "2", "--a=3"], "a") == ["--b", "2"]
    with pytest.raises(TuneError, match="appears 2 times"):
        set_arg(["--set", "a=1", "--set", "b=2"], "set", "c=3")


def run_one(tmp_path, args, rule=None):
    plan = plan_from_dict(manifest(args=["--quality", "${trialParameters.q}", *args]))
    job = substitute(plan, {"q": "0.8"}, "t-1")
    argv, env = container_command(job, "training-container")
    process = TrialProcess(
        plan, TrialResult("t-1", {"q": "0.8"}), argv, env, tmp_path / "1.log", rule
    )
    return process.run()


@pytest.mark.parametrize(
    ("args", "state"),
    [
        ([], "Succeeded"),
        (["--exit", "3"], "Failed"),
        (["--silent"], "MetricsUnavailable"),
    ],
)
def test_trial_states(tmp_path, args, state):
    result = run_one(tmp_path, args)
    assert result.state == state
    log = (tmp_path / "1.log").read_text()
    assert "starting fake trial" in log
    if state == "Succeeded":
        assert result.observation.values("accuracy") == pytest.approx(
            [0.8 / 3, 1.6 / 3, 0.8], abs=1e-6
        )
        assert result.observation.value("training_time", "latest") == 1.0
    if state == "Failed":
        assert "status 3" in result.message
    if state == "MetricsUnavailable":
        assert "'accuracy' not found" in result.message


def test_rule_stops_the_running_trial_at_once(tmp_path):
    from ideko.local.katib.earlystop import StopRule

    # reports 0.4 and 0.8, then would hang for 30 s: the rule fires at report 2
    result = run_one(
        tmp_path, ["--epochs", "2", "--hang", "30"], rule=StopRule("accuracy", 0.9, "less", 2)
    )
    result_quality = result.observation.values("accuracy")
    assert result.state == "EarlyStopped"
    assert len(result_quality) == 2
    assert result.seconds < 10
    assert "threshold 0.9" in result.message


def test_a_trial_gets_the_thread_caps_of_its_cpu_request(tmp_path, monkeypatch):
    """Two parallel trials on two cores must not each size TensorFlow to both cores: a trial
    process sees the thread caps of its container's cpu request (what the tune task was
    admitted with, per trial; the limit only without a request), while its container env
    (what decides whether it may fork warm) stays the Job's own."""
    from ideko.local.katib.trial import primary_container, trial_threads
    from ideko.schema.env import NUM_THREADS, OMP_NUM_THREADS

    monkeypatch.setenv(NUM_THREADS, "2")  # the tune task's own budget
    document = manifest(
        args=[
            "-c",
            f"import os; print('accuracy=0.5', os.environ['{NUM_THREADS}'])",
            "${trialParameters.q}",
        ]
    )
    container = document["spec"]["trialTemplate"]["trialSpec"]["spec"]["template"]["spec"][
        "containers"
    ][0]
    container["command"] = ["python"]
    container["resources"] = {"requests": {"cpu": "1"}}
    plan = plan_from_dict(document)
    job = substitute(plan, {"q": "0.8"}, "t-1")
    argv, env = container_command(job, "training-container")
    threads = trial_threads(primary_container(job, "training-container"))
    assert threads[NUM_THREADS] == threads[OMP_NUM_THREADS] == "1"
    assert NUM_THREADS not in env
    result = TrialProcess(
        plan, TrialResult("t-1", {"q": "0.8"}), argv, env, tmp_path / "1.log", None,
        threads=threads,
    ).run()
    assert result.state == "Succeeded", (tmp_path / "1.log").read_text()
    assert "accuracy=0.5 1" in (tmp_path / "1.log").read_text()

    container["resources"] = {"requests": {"cpu": "1"}, "limits": {"cpu": "2"}}
    assert trial_threads(container)[NUM_THREADS] == "1"  # the request, as ideko run's tasks
    container["resources"] = {"limits": {"cpu": "2"}}
    assert trial_threads(container)[NUM_THREADS] == "2"
    assert trial_threads({"name": "x"}) == {}
