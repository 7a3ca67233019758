"""Defaults come from the schema's ``default`` keywords and equal what the compiler fills."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from ideko.compiler.load import defaults as normalize
from ideko.compiler.load.spec_model import ArtifactStore
from ideko.schema.defaults import (
    DEFAULT_PARALLELISM,
    DEFAULT_REGISTRY_URI,
    ROOT,
    defaults_of,
    spec_schema,
    with_defaults,
)
from jsonschema import Draft202012Validator


def _defaulted(node: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        if "default" in node:
            yield where, node
        for key, sub in node.items():
            yield from _defaulted(sub, f"{where}.{key}")
    elif isinstance(node, list):
        for i, sub in enumerate(node):
            yield from _defaulted(sub, f"{where}[{i}]")


def test_every_default_is_valid_for_its_property() -> None:
    schema = spec_schema()
    found = list(_defaulted(schema, "#"))
    assert len(found) > 40
    bad = [
        (where, prop["default"])
        for where, prop in found
        if not Draft202012Validator({**prop, "$defs": schema["$defs"]}).is_valid(prop["default"])
    ]
    assert bad == []


def test_defaults_are_copies() -> None:
    defaults_of("split")["test_days"].append("x")
    assert defaults_of("split")["test_days"] == []


def test_unknown_definition_is_a_clear_error() -> None:
    with pytest.raises(KeyError, match=r"no \$defs\.nope"):
        defaults_of("nope")


def test_with_defaults_keeps_the_given_order_first() -> None:
    filled = with_defaults({"seed": 7}, "split")
    assert list(filled) == ["seed", "strategy", "test_size", "test_days"]


# What compiler/normalize.py fills today; the compiler will later read defaults_of() itself.
@pytest.mark.parametrize(
    ("def_name", "compiler"),
    [
        ("modelParameters", normalize.MODEL_PARAMETER_DEFAULTS),
        ("trainingParameters", normalize.TRAINING_PARAMETER_DEFAULTS),
        ("budget", normalize.BUDGET_DEFAULTS),
        ("earlyStopping", normalize.EARLY_STOPPING_DEFAULTS),
        ("retries", normalize.RETRIES_DEFAULTS),
    ],
)
def test_tables_equal_the_compilers(def_name: str, compiler: dict[str, Any]) -> None:
    assert defaults_of(def_name) == compiler


def test_scalars_equal_the_compilers() -> None:
    assert DEFAULT_PARALLELISM == normalize.DEFAULT_PARALLELISM
    assert DEFAULT_REGISTRY_URI == normalize.DEFAULT_REGISTRY_URI


def test_artifact_store_defaults_are_the_typed_ones() -> None:
    typed = ArtifactStore()
    for name, value in defaults_of("artifactStore").items():
        assert getattr(typed, name) == value, name


MINIMAL = {
    "apiVersion": "ideko.dev/v1",
    "metadata": {"name": "small"},
    "runtime": {"image": "ghcr.io/ideko/ideko-runtime:0.1.0"},
    "data": {
        "source": {"local": {"path": "data"}},
        "indicators": ["f3"],
        "classes": {"a": "a", "b": "b"},
    },
    "models": {
        "NeuralNetwork": {
            "model_parameters": {"units": [4]},
            "training_parameters": {"epochs": 1, "batch_size": 2},
            "hpo": {
                "algorithm": "random",
                "objective": {"metric": "score"},
                "weights": {"validation_accuracy": 1.0, "training_time": 0.1},
                "budget": {},
                "early_stopping": {},
                "parameters": {"dropout": {"type": "double", "min": 0.0, "max": 0.5}},
            },
        }
    },
}


def test_normalize_fills_exactly_the_schema_defaults() -> None:
    filled = normalize.fill_defaults(MINIMAL)
    data = filled["data"]
    model = filled["models"]["NeuralNetwork"]
    hpo = model["hpo"]
    step = filled["execution"]["steps"]["train"]
    assert {k: filled["metadata"][k] for k in defaults_of("metadata")} == defaults_of("metadata")
    assert data["scaling"] == defaults_of("data")["scaling"]
    assert data["padding"] == defaults_of("padding")
    assert data["split"] == defaults_of("split")
    assert data["quality_gate"] == defaults_of("qualityGate")
    assert model["enabled"] == defaults_of("model")["enabled"]
    params = model["model_parameters"]
    assert {k: params[k] for k in defaults_of("modelParameters")} == defaults_of("modelParameters")
    training = model["training_parameters"]
    assert {k: training[k] for k in defaults_of("trainingParameters")} == defaults_of(
        "trainingParameters"
    )
    assert hpo["budget"] == defaults_of("budget")
    assert hpo["early_stopping"] == defaults_of("earlyStopping")
    assert hpo["weights"]["time_reference_seconds"] == defaults_of("scoreWeights")[
        "time_reference_seconds"
    ]
    assert {k: hpo[k] for k in defaults_of("hpo")} == defaults_of("hpo")
    assert step["retries"] == defaults_of("retries")
    assert step["resources"] == defaults_of("stepSettings")["resources"]
    execution = filled["execution"]
    assert {k: execution[k] for k in defaults_of("execution")} == defaults_of("execution")
    assert filled["conditions"]["quality_gate"] == defaults_of("conditions")["quality_gate"]
    root = defaults_of(ROOT)
    assert filled["registry"] == root["registry"]
    criteria = [{k: c[k] for k in ("metric", "weight")} for c in filled["selection"]["criteria"]]
    assert criteria == root["selection"]["criteria"]
    store = filled["runtime"]["artifact_store"]
    assert {k: store[k] for k in defaults_of("artifactStore")} == defaults_of("artifactStore")
