"""Defaults come from the schema's ``default`` keywords, and the compiler fills exactly those:
a spec that omits a field compiles with the schema's default (and follows the schema when it
changes, so no second table can hide in the compiler)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import pytest
from ideko.schema import defaults as schema_defaults
from ideko.schema.defaults import (
    DEFAULT_PARALLELISM,
    DEFAULT_REGISTRY_URI,
    ROOT,
    defaults_of,
    spec_schema,
    with_defaults,
)
from jsonschema import Draft202012Validator
from schema_specs import MINIMAL, compile_spec, load
from schema_walk import schema_nodes


def test_every_default_is_valid_for_its_property() -> None:
    schema = spec_schema()
    found = [(where, node) for where, node in schema_nodes(schema) if "default" in node]
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


def test_a_spec_that_omits_them_compiles_with_the_schemas_defaults(tmp_path: Path) -> None:
    spec = load(tmp_path, MINIMAL)
    (model,) = spec.models
    hpo = model.hpo
    assert hpo is not None and hpo.early_stopping is not None and hpo.weights is not None
    meta = defaults_of("metadata")
    assert (spec.metadata.description, spec.metadata.version) == (
        meta["description"], meta["version"]
    )
    assert spec.data.scaling == defaults_of("data")["scaling"]
    assert asdict(spec.data.padding) == defaults_of("padding")
    split = defaults_of("split")
    validation = defaults_of("validation")
    assert asdict(spec.data.split) == {
        **split, "test_days": tuple(split["test_days"]),
        "validation": {**validation, "days": tuple(validation["days"])},
    }
    gate = defaults_of("qualityGate")
    assert asdict(spec.data.quality_gate) == {
        **gate, "required_indicators": tuple(gate["required_indicators"])
    }
    assert model.enabled == defaults_of("model")["enabled"]
    assert defaults_of("modelParameters").items() <= model.model_parameters.items()
    assert defaults_of("trainingParameters").items() <= model.training_parameters.items()
    budget = defaults_of("budget")
    assert (hpo.max_trials, hpo.parallel_trials, hpo.max_failed_trials) == (
        budget["max_trials"], budget["parallel_trials"], budget["max_failed_trials"]
    )
    assert asdict(hpo.early_stopping) == defaults_of("earlyStopping")
    assert hpo.weights.time_reference_seconds == defaults_of("scoreWeights")[
        "time_reference_seconds"
    ]
    assert hpo.additional_metrics == tuple(defaults_of("hpo")["additional_metrics"])
    for step in spec.execution.steps.values():
        assert asdict(step.retries) == defaults_of("retries")
        assert step.caching == defaults_of("execution")["caching"]
        assert {k: v for k, v in asdict(step.resources).items() if v is not None} == (
            defaults_of("stepSettings")["resources"]
        )
    assert spec.execution.parallelism == DEFAULT_PARALLELISM
    assert spec.conditions.quality_gate == defaults_of("conditions")["quality_gate"]
    assert spec.registry.uri == DEFAULT_REGISTRY_URI
    root = defaults_of(ROOT)
    criteria = [{"metric": c.metric, "weight": c.weight} for c in spec.selection.criteria]
    assert criteria == root["selection"]["criteria"]
    store = asdict(spec.artifact_store)
    assert {k: store[k] for k in defaults_of("artifactStore")} == defaults_of("artifactStore")


CHANGED = {  # ($defs name, property): a value other than today's default
    ("trainingParameters", "patience"): 4,
    ("budget", "max_trials"): 7,
    ("retries", "max_backoff"): "5m",
    ("split", "seed"): 11,
    ("artifactStore", "secret"): "other-secret",
    ("execution", "parallelism"): 3,
}


@pytest.fixture
def changed_schema(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The spec schema with the ``CHANGED`` defaults, as every reader of it sees it."""
    import copy

    schema = copy.deepcopy(spec_schema())
    for (def_name, prop), value in CHANGED.items():
        schema["$defs"][def_name]["properties"][prop]["default"] = value
    schema_defaults._defaults.cache_clear()
    monkeypatch.setattr(schema_defaults, "spec_schema", lambda: schema)
    yield
    schema_defaults._defaults.cache_clear()


@pytest.mark.usefixtures("changed_schema")
def test_the_compiler_follows_the_schema_when_a_default_changes(tmp_path: Path) -> None:
    spec, files = compile_spec(tmp_path, MINIMAL)
    (model,) = spec.models
    assert model.training_parameters["patience"] == 4
    assert model.hpo is not None and model.hpo.max_trials == 7
    assert spec.execution.steps["train"].retries.max_backoff == "5m"
    assert spec.data.split.seed == 11
    assert spec.artifact_store.secret == "other-secret"
    assert spec.execution.parallelism == 3
    (experiment,) = files["small/katib/neural-network.yaml"]
    assert experiment["spec"]["maxTrialCount"] == 7
