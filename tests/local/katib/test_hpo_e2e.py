"""End to end: the compiler's Katib manifest for the example LSTM, tuned locally with real
Keras trials (`python -m ideko.runtime.steps.train`) on tiny synthetic data: 3 trials, 2 in
parallel, 1 epoch, one recurrent layer, through the pipeline's tune step (local backend,
--train-data injected)."""

import copy
import json
import os
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from ideko.runtime.baseline import data_config

ROOT = Path(__file__).resolve().parents[3]
SEED = 2
DATA_CONFIG = data_config(["f3", "f4", "f5"], SEED)


def tiny_manifest() -> tuple[dict, dict]:
    """The compiled LSTM Experiment, shrunk: 3 trials, 2 parallel, 1 epoch, one small layer
    (tracing the LSTM's training graph is most of a trial's CPU: ~5 s a layer)."""
    from ideko.compiler.build.katib import build_katib
    from ideko.compiler.load import load_spec

    manifest = copy.deepcopy(build_katib(load_spec(ROOT / "specs" / "ideko.yaml"))["lstm"])
    spec = manifest["spec"]
    spec["maxTrialCount"], spec["parallelTrialCount"] = 3, 2
    spec["algorithm"]["algorithmSettings"] = [{"name": "random_state", "value": "1"}]
    for param in spec["parameters"]:
        if param["name"] == "hidden_units_0":
            param["feasibleSpace"] = {"min": "4", "max": "12", "step": "4"}
    container = spec["trialTemplate"]["trialSpec"]["spec"]["template"]["spec"]["containers"][0]
    args = container["args"]
    config = json.loads(args[args.index("--model-config") + 1])
    config["training_parameters"]["epochs"] = 1
    config["model_parameters"]["hidden_units"] = [8]
    args[args.index("--model-config") + 1] = json.dumps(config)
    args[args.index("--data-config") + 1] = json.dumps(DATA_CONFIG)
    return manifest, config


@pytest.mark.slow
def test_tune_lstm_end_to_end(tmp_path, monkeypatch):
    from ideko.runtime.data.dataset_io import save_dataset
    from ideko.runtime.data.prepare import prepare
    from ideko.runtime.data.synth import SynthOptions, generate
    from ideko.runtime.steps import tune

    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "2")
    monkeypatch.setenv("IDEKO_NUM_THREADS", "1")
    raw = tmp_path / "raw"
    generate(raw, SynthOptions(series=24, min_length=20, max_length=40, days=2, seed=3))
    train, _test, _meta, _report = prepare(raw, DATA_CONFIG, SEED)
    save_dataset(tmp_path / "train.npz", train)

    manifest, config = tiny_manifest()
    result = SimpleNamespace(path=str(tmp_path / "tuning"), uri="", metadata={})
    train_data = SimpleNamespace(path=str(tmp_path / "train.npz"), uri="", metadata={})
    out = tune.component(
        model_config=json.dumps(config),
        experiment=json.dumps(manifest),
        train_data=train_data,
        backend="local",
        tuning_result=result,
    )
    overrides = json.loads(out["best_parameters"])
    assert set(overrides) == {
        "training_parameters.learning_rate",
        "model_parameters.hidden_units.0",
        "training_parameters.batch_size",
    }
    assert overrides["model_parameters.hidden_units.0"] in (4, 8, 12)
    assert overrides["training_parameters.batch_size"] in (16, 32, 64)
    assert 0.0005 <= overrides["training_parameters.learning_rate"] <= 0.01

    status = yaml.safe_load((tmp_path / "tuning" / "status.yaml").read_text())
    experiment, *trials = status["items"]
    assert len(trials) == 3
    assert experiment["status"]["conditions"][-1]["reason"] in (
        "ExperimentMaxTrialsReached",
        "ExperimentGoalReached",
    )
    succeeded = [t for t in trials if t["status"]["conditions"][0]["type"] == "Succeeded"]
    assert len(succeeded) >= 2, [t["status"]["conditions"][0]["message"] for t in trials]
    scores = [t["status"]["objectiveValue"] for t in succeeded]
    assert out["best_objective"] == pytest.approx(max(scores))
    log = (tmp_path / "tuning" / "trials" / "1.log").read_text()
    assert "--train-data " + train_data.path in log and "validation_accuracy=" in log
    # two trials ran side by side
    spans = sorted((t["status"]["startTime"], t["status"]["completionTime"]) for t in trials)
    assert spans[1][0] <= spans[0][1]
    assert os.path.exists(tmp_path / "tuning" / "report.html")
