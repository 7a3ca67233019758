"""The example spec and a minimal spec load into the expected typed Spec."""

from __future__ import annotations

from pathlib import Path

import pytest
from ideko.compiler.load import load_spec
from ideko.compiler.load.source import find_repo_root
from ideko.schema.steps import STEP_KINDS
from spec_texts import MINIMAL

REPO = Path(__file__).resolve().parents[3]


def test_example_spec_loads_with_expected_fields(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    spec = load_spec(Path("specs/ideko.yaml"))
    assert spec.source_path == "specs/ideko.yaml"
    assert spec.metadata.name == "ideko-anomaly-classification"
    assert spec.image == "ghcr.io/ideko/ideko-runtime:0.1.0"
    assert spec.data.indicators == ("f3", "f4", "f5")
    assert spec.data.classes[1] == ("mechanical_anomalies", "mechanical anomaly")
    assert spec.data.source.location() == "data/synthetic"
    assert [m.name for m in spec.models] == [
        "neural-network", "cnn", "rnn", "lstm", "fcn", "resnet", "inception",
    ]  # fmt: skip
    assert [m.architecture for m in spec.models] == [
        "dense", "cnn", "rnn", "lstm", "fcn", "resnet", "inception",
    ]  # fmt: skip
    assert all(m.hpo is not None for m in spec.models)  # every model is tuned
    lstm = spec.models[3]
    assert lstm.resources.memory_limit == "4Gi"
    assert lstm.hpo is not None
    assert lstm.hpo.algorithm == "tpe"
    assert lstm.hpo.max_trials == 2 and lstm.hpo.parallel_trials == 1
    targets = {p.name: p.target for p in lstm.hpo.parameters}
    assert targets == {
        "learning_rate": "training_parameters.learning_rate",
        "hidden_units_0": "model_parameters.hidden_units.0",
        "batch_size": "training_parameters.batch_size",
    }
    assert lstm.hpo.weights is not None and lstm.hpo.weights.time_reference_seconds == 60.0
    assert spec.execution.steps["preprocess"].retries.count == 1
    assert spec.execution.steps["preprocess"].retries.backoff == "10s"  # merged from defaults
    assert spec.execution.steps["train"].timeout == "2h"
    assert spec.execution.steps["register"].caching is False
    assert spec.conditions.promotion is not None
    assert spec.conditions.promotion.metric == "accuracy"
    goals = [(c.metric, c.goal) for c in spec.selection.criteria]
    assert goals == [("macro_f1", "maximize"), ("accuracy", "maximize"),
                     ("training_time", "minimize")]


def test_minimal_spec_gets_every_default(write, repo, monkeypatch) -> None:
    monkeypatch.chdir(repo)
    spec = load_spec(write(MINIMAL).relative_to(repo))
    (model,) = spec.models
    assert model.enabled is True
    assert model.name_parameters == {"folder_name": "lstm", "model_name": "model_lstm.keras"}
    assert model.model_parameters == {
        "hidden_units": [8, 4], "activation_function": "tanh", "masking": "original",
        "dropout": 0.0,
    }
    assert model.training_parameters == {
        "epochs": 2, "batch_size": 4, "optimizer": "adam", "learning_rate": None,
        "patience": 10, "min_delta": 0.0001, "validation_split": 0.2,
        "checkpoint": "val_accuracy", "reduce_lr_patience": 0, "reduce_lr_factor": 0.5,
        "min_learning_rate": 0.0001, "refit": False,
    }
    assert model.hpo is None
    assert set(spec.execution.steps) == set(STEP_KINDS)
    step = spec.execution.steps["train"]
    assert step.caching is True and step.timeout is None and step.retries.count == 0
    assert spec.data.split.strategy == "random" and spec.data.split.seed == 2
    assert spec.data.padding.side == "post" and spec.data.scaling == "none"
    assert spec.metadata.version == "0.1.0" and spec.metadata.description == ""
    assert spec.conditions.quality_gate is True and spec.conditions.promotion is None
    assert [(c.metric, c.weight) for c in spec.selection.criteria] == [("accuracy", 1.0)]
    assert spec.registry.uri == "registry"
    assert spec.execution.parallelism == 2


def test_extra_models_compare_two_lstm_sizes(write, repo) -> None:
    text = MINIMAL + """\
  lstm_large:
    architecture: lstm
    model_parameters:
      hidden_units: [64, 32]
      dropout: 0.2
    training_parameters:
      epochs: 2
      batch_size: 4
      optimizer: rmsprop
      learning_rate: 0.003
  GRUSmall:
    architecture: gru
    enabled: false
    model_parameters: {hidden_units: [4]}
    training_parameters: {epochs: 1, batch_size: 2}
"""
    spec = load_spec(write(text))
    assert [m.name for m in spec.models] == ["lstm", "lstm-large", "gru-small"]
    large = spec.models[1]
    assert large.architecture == "lstm"
    assert large.model_parameters["dropout"] == 0.2
    assert large.training_parameters["learning_rate"] == 0.003
    assert large.name_parameters["model_name"] == "model_lstm-large.keras"
    assert [m.key for m in spec.enabled_models] == ["LSTM", "lstm_large"]


def test_numeric_cpu_quantity_becomes_kubernetes_string(write) -> None:
    text = MINIMAL + "execution:\n  defaults:\n    resources: {cpu_request: 1, cpu_limit: 1.5}\n"
    spec = load_spec(write(text))
    res = spec.execution.steps["tune"].resources
    assert (res.cpu_request, res.cpu_limit) == ("1", "1.5")


def test_repo_root_is_nearest_project_folder(repo, write) -> None:
    path = write(MINIMAL, "a/b/spec.yaml")
    assert find_repo_root(path) == repo.resolve()


def test_upgrade_hook_rewrites_older_versions(write, monkeypatch) -> None:
    from ideko.compiler.load import loader

    def v0_to_v1(data: dict) -> dict:
        data = dict(data, apiVersion="ideko.dev/v1")
        data["metadata"] = {"name": data["metadata"].pop("title")}
        return data

    monkeypatch.setitem(loader.UPGRADES, "ideko.dev/v0", v0_to_v1)
    text = MINIMAL.replace("ideko.dev/v1", "ideko.dev/v0").replace("name: tiny", "title: old")
    assert load_spec(write(text)).metadata.name == "old"


def test_only_written_step_resources_count_as_the_step_s_own(write) -> None:
    text = MINIMAL + (
        "execution:\n"
        "  defaults:\n    resources:\n      cpu_request: '1'\n"
        "  steps:\n    tune:\n      resources:\n        cpu_request: 500m\n"
    )
    steps = load_spec(write(text)).execution.steps
    assert steps["tune"].own_resources and steps["tune"].resources.cpu_request == "500m"
    assert not steps["train"].own_resources and steps["train"].resources.cpu_request == "1"
