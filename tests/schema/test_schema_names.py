"""One name rule: the compiler's and the runtime's names of a models.yaml key agree."""

from __future__ import annotations

import pytest
from ideko.compiler.build import katib as build_katib
from ideko.compiler.load import defaults as normalize
from ideko.runtime.training.models_yaml import model_configs
from ideko.schema.names import (
    MAX_MODEL_NAME,
    default_name_parameters,
    experiment_name,
    k8s_name,
)

KEYS = ["LSTMLarge", "NeuralNetwork", "lstm_a", "CNN", "RNN", "LSTM", "myGRU2", "cnn_v2"]


@pytest.mark.parametrize(
    ("key", "name"),
    [("LSTMLarge", "lstm-large"), ("NeuralNetwork", "neural-network"), ("lstm_a", "lstm-a")],
)
def test_k8s_name(key: str, name: str) -> None:
    assert k8s_name(key) == name


@pytest.mark.parametrize("key", KEYS)
def test_rule_is_the_compilers(key: str) -> None:
    assert k8s_name(key) == normalize.k8s_name(key)


def test_default_name_parameters() -> None:
    assert default_name_parameters("NeuralNetwork") == {
        "folder_name": "neuralnetwork",
        "model_name": "model_neural-network.keras",
    }


@pytest.mark.parametrize("key", ["LSTMLarge", "NeuralNetwork"])
def test_runtime_names_agree_with_the_compiler(key: str) -> None:
    body = {
        "architecture": "lstm",
        "model_parameters": {"hidden_units": [4]},
        "training_parameters": {"epochs": 1, "batch_size": 2},
    }
    (config, _), = model_configs({key: body})
    model = normalize._model(key, {**body, "architecture": "lstm"})
    assert config["name"] == normalize.k8s_name(key)
    assert config["name_parameters"] == model["name_parameters"]


@pytest.mark.parametrize(
    ("pipeline", "model"),
    [("ideko-anomaly-classification", "lstm"), ("p", "m"), ("9lives", "x"), ("a" * 30, "b" * 30)],
)
def test_experiment_name_is_the_compilers(pipeline: str, model: str) -> None:
    name = experiment_name(pipeline, model)
    assert name == build_katib.experiment_name(pipeline, model)
    assert len(name) <= 40


def test_limits_are_the_compilers() -> None:
    from ideko.compiler.load import semantic
    from ideko.schema.names import MAX_EXPERIMENT_NAME

    assert MAX_MODEL_NAME == semantic.MAX_MODEL_NAME == 40
    assert MAX_EXPERIMENT_NAME == build_katib.MAX_EXPERIMENT_NAME
