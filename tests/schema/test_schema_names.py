"""One name rule: the compiler's task and Experiment names and the runtime's models.yaml names
of a key come from ``ideko.schema.names`` and agree."""

from __future__ import annotations

from pathlib import Path

import pytest
from ideko.compiler.api import SpecError
from ideko.runtime.training.models_yaml import model_configs
from ideko.schema.names import (
    MAX_EXPERIMENT_NAME,
    MAX_MODEL_NAME,
    default_name_parameters,
    experiment_name,
    k8s_name,
)
from schema_specs import compile_spec, load, minimal

LSTM_BODY = {
    "architecture": "lstm",
    "model_parameters": {"hidden_units": [4]},
    "training_parameters": {"epochs": 1, "batch_size": 2},
}


@pytest.mark.parametrize(("key", "name"), [
    ("NeuralNetwork", "neural-network"), ("CNN", "cnn"), ("lstm_large", "lstm-large"),
    ("LSTMLarge", "lstm-large"), ("myGRU2", "my-gru2"), ("RNN", "rnn"), ("lstm_a", "lstm-a"),
])  # fmt: skip
def test_k8s_name(key: str, name: str) -> None:
    assert k8s_name(key) == name


def test_default_name_parameters() -> None:
    assert default_name_parameters("NeuralNetwork") == {
        "folder_name": "neuralnetwork",
        "model_name": "model_neural-network.keras",
    }


def _tasks(pipeline: dict) -> set[str]:
    found: set[str] = set()
    for component in [pipeline["root"], *pipeline.get("components", {}).values()]:
        found |= set(component.get("dag", {}).get("tasks", {}))
    return found


@pytest.mark.parametrize("key", ["LSTMLarge", "myGRU2", "lstm_a"])
def test_compiled_and_runtime_names_agree(tmp_path: Path, key: str) -> None:
    """``LSTMLarge`` is ``lstm-large`` in the IR's task names, in the model_config the
    compiler embeds, and in the runtime's reading of the same key from a models.yaml."""
    spec, files = compile_spec(tmp_path, minimal(models={key: LSTM_BODY}))
    name = k8s_name(key)
    pipeline = files[f"{spec.metadata.name}/pipeline.yaml"][0]
    assert {f"train-{name}", f"evaluate-{name}"} <= _tasks(pipeline)
    (model,) = spec.models
    (runtime_config, _), = model_configs({key: LSTM_BODY})
    assert runtime_config["name"] == model.name == name
    assert runtime_config["name_parameters"] == model.name_parameters
    assert model.name_parameters == default_name_parameters(key)


@pytest.mark.parametrize(
    ("pipeline", "model"),
    [
        ("ideko", "lstm"),
        ("ideko-anomaly-classification", "lstm"),
        ("a-very-long-pipeline-name-for-anomalies", "lstm-large"),
        ("1st-pipeline", "m"),
        ("9lives", "x"),
        ("x" * 60, "y" * 60),
    ],
)
def test_experiment_names_follow_katib_rules(pipeline: str, model: str) -> None:
    name = experiment_name(pipeline, model)
    assert len(name) <= MAX_EXPERIMENT_NAME
    assert name[0].isalpha() and name[-1].isalnum()
    assert set(name) <= set("abcdefghijklmnopqrstuvwxyz0123456789-")
    assert experiment_name(pipeline, model) == name


def test_long_names_stay_distinct() -> None:
    base = "a-very-long-pipeline-name-for-anomalies"
    assert experiment_name(base, "lstm-large") != experiment_name(base, "lstm-small")


def test_the_compiler_enforces_the_model_name_limit(tmp_path: Path) -> None:
    fits, too_long = "m" * MAX_MODEL_NAME, "m" * (MAX_MODEL_NAME + 1)
    assert load(tmp_path, minimal(models={fits: LSTM_BODY})).models[0].name == fits
    with pytest.raises(SpecError, match=f"at most {MAX_MODEL_NAME} fit"):
        load(tmp_path, minimal(models={too_long: LSTM_BODY}))
