"""The pipeline's tune step: local and cluster backends, overrides handed to train."""

import json
from types import SimpleNamespace

import pytest
import yaml
from hpo_helpers import categorical, manifest
from ideko.runtime.katib.errors import TuneError
from ideko.runtime.katib.experiment import plan_from_dict
from ideko.runtime.katib.overrides import best_overrides, cast_assignment
from ideko.runtime.steps import tune
from test_katib_cluster import RUNNING, FakeApi

MODEL_CONFIG = {
    "name": "lstm",
    "model_parameters": {"hidden_units": [32, 16], "activation_function": "tanh"},
    "training_parameters": {"batch_size": 32, "learning_rate": None, "epochs": 8},
}
PARAMS = [
    {"name": "q", "parameterType": "double", "feasibleSpace": {"min": "0.1", "max": "0.9"}},
    {
        "name": "units",
        "parameterType": "int",
        "feasibleSpace": {"min": "16", "max": "64", "step": "16"},
    },
    categorical("bs", ["16", "32"]),
]
ARGS = [
    "--quality",
    "${trialParameters.q}",
    "--data-uri",
    "data/raw",
    "--data-config",
    "{}",
    "--set",
    "training_parameters.learning_rate=${trialParameters.q}",
    "--set",
    "model_parameters.hidden_units.0=${trialParameters.units}",
    "--set=training_parameters.batch_size=${trialParameters.bs}",
]


def artifact(tmp_path, name, uri=None):
    path = tmp_path / name
    return SimpleNamespace(path=str(path), uri=uri or f"file://{path}", metadata={})


def experiment_yaml(**kwargs):
    return yaml.safe_dump(manifest(parameters=PARAMS, args=ARGS, **kwargs))


def test_local_backend(tmp_path, capsys):
    train = artifact(tmp_path, "train.npz")
    result_dir = artifact(tmp_path, "tuning")
    out = tune.component(
        model_config=json.dumps(MODEL_CONFIG),
        experiment=experiment_yaml(max_trials=3, parallel=2),
        train_data=train,
        backend="local",
        tuning_result=result_dir,
    )
    best = json.loads((tmp_path / "tuning" / "best.json").read_text())
    overrides = json.loads(out["best_parameters"])
    assert overrides == best["overrides"]
    assert set(overrides) == {
        "training_parameters.learning_rate",
        "model_parameters.hidden_units.0",
        "training_parameters.batch_size",
    }
    assert isinstance(overrides["model_parameters.hidden_units.0"], int)
    assert isinstance(overrides["training_parameters.batch_size"], int)
    assert out["best_objective"] == pytest.approx(
        overrides["training_parameters.learning_rate"], abs=1e-6
    )
    assert result_dir.metadata["backend"] == "local"
    assert capsys.readouterr().err.count("Succeeded fake-exp-00") == 3  # trials in the step log
    assert best["best_metrics"]["accuracy"] == out["best_objective"]
    assert best["best_metrics"]["training_time"] == 1.0
    assert (tmp_path / "tuning" / "status.yaml").exists()
    log = (tmp_path / "tuning" / "trials" / "1.log").read_text()
    assert f"--train-data {train.path}" in log and "--data-uri" not in log


def test_local_failure_fails_the_step(tmp_path):
    bad_args = [*ARGS, "--exit", "1"]
    text = yaml.safe_dump(
        manifest(parameters=PARAMS, args=bad_args, max_trials=2, parallel=1, max_failed=0)
    )
    with pytest.raises(TuneError, match="ExperimentMaxFailedTrialsReached"):
        tune.component(
            model_config=json.dumps(MODEL_CONFIG),
            experiment=text,
            train_data=artifact(tmp_path, "t.npz"),
            backend="local",
            tuning_result=artifact(tmp_path, "r"),
        )


def test_katib_backend_with_fake_cluster(tmp_path, monkeypatch):
    monkeypatch.setenv("HOSTNAME", "pod-123")
    succeeded = {
        "conditions": [{"type": "Succeeded", "status": "True", "reason": "ExperimentGoalReached"}],
        "currentOptimalTrial": {
            "bestTrialName": "fake-exp-x",
            "parameterAssignments": [
                {"name": "q", "value": "0.003"},
                {"name": "units", "value": "48"},
                {"name": "bs", "value": "16"},
            ],
            "observation": {
                "metrics": [{"name": "accuracy", "min": "0.5", "max": "0.93", "latest": "0.9"}]
            },
        },
    }
    api = FakeApi([RUNNING, succeeded])
    train = artifact(tmp_path, "train.npz", uri="s3://mlpipeline/v2/artifacts/run/train.npz")
    out = tune.component(
        model_config=json.dumps(MODEL_CONFIG),
        experiment=experiment_yaml(),
        train_data=train,
        backend="katib",
        tuning_result=artifact(tmp_path, "r"),
        katib_api=api,
        poll_seconds=0,
    )
    assert json.loads(out["best_parameters"]) == {
        "model_parameters.hidden_units.0": 48,
        "training_parameters.batch_size": 16,
        "training_parameters.learning_rate": 0.003,
    }
    assert out["best_objective"] == 0.93  # strategy max for a maximize objective
    best = json.loads((tmp_path / "r" / "best.json").read_text())
    assert best["best_metrics"] == {"accuracy": 0.93}
    assert best["experiment"].startswith("fake-exp-") and best["best_trial"] == "fake-exp-x"
    args = api.created[1]["spec"]["trialTemplate"]["trialSpec"]["spec"]["template"]["spec"][
        "containers"
    ][0]["args"]
    assert args[args.index("--train-data") + 1] == "s3://mlpipeline/v2/artifacts/run/train.npz"
    status = yaml.safe_load((tmp_path / "r" / "status.yaml").read_text())
    assert status["kind"] == "List" and status["items"][0]["status"] == succeeded


def test_backend_choice(monkeypatch):
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    assert tune.choose_backend("auto") == "local"
    assert tune.choose_backend("katib") == "katib"
    with pytest.raises(TuneError, match="backend must be one of"):
        tune.choose_backend("cloud")


def test_parameters_without_set_target_are_an_error():
    args = ["--quality", "${trialParameters.q}"]
    plan = plan_from_dict(manifest(args=args))
    with pytest.raises(TuneError, match="parameters q are not passed as --set"):
        best_overrides(plan, {"q": "0.5"}, MODEL_CONFIG)


@pytest.mark.parametrize(
    ("value", "current", "katib_type", "expected"),
    [
        ("48", 32, "int", 48),
        ("32", 16, "categorical", 32),
        ("0.003", None, "double", 0.003),
        ("relu", "tanh", "categorical", "relu"),
        ("64", None, "categorical", 64),
        ("0.5", None, "discrete", 0.5),
        ("true", False, "categorical", True),
    ],
)
def test_typed_values(value, current, katib_type, expected):
    got = cast_assignment(value, current, katib_type, "p")
    assert got == expected and type(got) is type(expected)


def test_a_non_finite_value_without_a_guide_is_refused_not_stored_as_nan():
    """``cast_like`` (the one cast) refuses ``nan`` where the old local copy made it a float:
    a model config holding NaN would not be valid JSON and trains nothing useful."""
    with pytest.raises(TuneError, match=r"parameter q: best value 'nan': .*not a finite"):
        cast_assignment("nan", None, "categorical", "q")
    assert cast_assignment("nan", "tanh", "categorical", "q") == "nan"  # a string stays one


def test_trials_train_with_the_runs_seed_not_the_compiled_one(tmp_path):
    train = artifact(tmp_path, "train.npz")
    result_dir = artifact(tmp_path, "tuning")
    tune.component(
        model_config=json.dumps(MODEL_CONFIG),
        experiment=yaml.safe_dump(
            manifest(parameters=PARAMS, args=[*ARGS, "--seed", "2"], max_trials=2, parallel=2)
        ),
        train_data=train,
        backend="local",
        tuning_result=result_dir,
        seed=5,
    )
    for log in ("1.log", "2.log"):
        command = (tmp_path / "tuning" / "trials" / log).read_text().splitlines()[0]
        assert " --seed 5" in command and "--seed 2" not in command


def test_the_seed_is_added_when_the_template_has_none_and_a_bad_template_is_a_clear_error():
    document = manifest(parameters=PARAMS, args=ARGS)
    seeded = json.loads(tune.with_trial_seed(json.dumps(document), 7))
    container = seeded["spec"]["trialTemplate"]["trialSpec"]["spec"]["template"]["spec"][
        "containers"
    ][0]
    assert container["args"][-2:] == ["--seed", "7"]
    assert container["args"][:-2] == ARGS
    with pytest.raises(TuneError, match="cannot set the run's seed"):
        tune.with_trial_seed(json.dumps({"spec": {}}), 7)


def test_local_backend_without_the_local_extra_is_one_clear_error(tmp_path, monkeypatch):
    """The image installs [runtime] only: backend local names the extra instead of failing
    with an ImportError inside the tuner."""
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "optuna" else real(name, *a)
    )
    with pytest.raises(TuneError, match=r"ideko\[runtime,local\]"):
        tune.component(
            model_config=json.dumps(MODEL_CONFIG),
            experiment=experiment_yaml(max_trials=1, parallel=1),
            train_data=artifact(tmp_path, "train.npz"),
            backend="local",
            tuning_result=artifact(tmp_path, "tuning"),
        )
