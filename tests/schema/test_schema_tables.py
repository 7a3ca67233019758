"""Step kinds, the architecture table and metric goals: one copy, and the compiler follows it."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from ideko.compiler.api import SpecError
from ideko.schema import architectures, metric_lines, steps
from ideko.schema.defaults import spec_schema
from schema_specs import MINIMAL, load, minimal

LAYERS = {"units": [4], "filters": [4], "hidden_units": [4], "kernel_size": 3, "pool_size": 2,
          "kernel_sizes": [3], "bottleneck_size": 4}


def test_step_kinds_are_the_schemas_and_the_compilers(tmp_path: Path) -> None:
    assert tuple(load(tmp_path, MINIMAL).execution.steps) == steps.STEP_KINDS
    assert steps.STEP_KINDS == tuple(spec_schema()["$defs"]["execution"]["properties"]["steps"][
        "properties"
    ])


def test_architectures_are_the_schemas() -> None:
    model = spec_schema()["$defs"]["model"]["properties"]
    assert architectures.ARCHITECTURES == tuple(model["architecture"]["enum"])


def _models(**bodies: dict) -> dict:
    training = {"epochs": 1, "batch_size": 2}
    return {key: {"training_parameters": training, **body} for key, body in bodies.items()}


def test_the_compiler_reads_the_architecture_table(tmp_path: Path) -> None:
    """Each architecture's own parameters are what it takes, its activation what it gets."""
    bodies = {
        f"m_{arch}": {
            "architecture": arch,
            "model_parameters": {p: LAYERS[p] for p in architectures.own_parameters(arch)},
        }
        for arch in architectures.ARCHITECTURES
    }
    spec = load(tmp_path, minimal(models=_models(**bodies)))
    for model in spec.models:
        assert model.model_parameters["activation_function"] == (
            architectures.default_activation(model.architecture)
        )


WRITTEN = [a for a in architectures.ARCHITECTURES if architectures.TABLE[a].defaults_def is None]
DEFAULTED = [a for a in architectures.ARCHITECTURES if a not in WRITTEN]


@pytest.mark.parametrize("arch", WRITTEN)
def test_an_own_parameter_is_required_and_anothers_refused(tmp_path: Path, arch: str) -> None:
    own = architectures.own_parameters(arch)
    other = next(p for p in LAYERS if p not in own)
    params = {p: LAYERS[p] for p in own[1:]} | {other: LAYERS[other]}
    data = minimal(models=_models(m={"architecture": arch, "model_parameters": params}))
    with pytest.raises(SpecError) as info:
        load(tmp_path, data)
    text = "\n".join(str(d) for d in info.value.diagnostics)
    assert f"{arch} models need model_parameters.{own[0]}" in text
    assert f"'{other}' is not a parameter of {arch} models" in text


@pytest.mark.parametrize("arch", DEFAULTED)
def test_papers_architectures_default_their_own_and_refuse_anothers(
    tmp_path: Path, arch: str
) -> None:
    """fcn/resnet/inception get their own parameters from $defs.<arch>Parameters."""
    spec = load(tmp_path, minimal(models=_models(m={"architecture": arch})))
    params = spec.models[0].model_parameters
    assert params == {**params, **architectures.model_parameter_defaults(arch)}
    assert set(architectures.own_parameters(arch)) <= set(params)
    with pytest.raises(SpecError, match=f"'units' is not a parameter of {arch} models"):
        load(tmp_path, minimal(models=_models(m={"architecture": arch,
                                                 "model_parameters": {"units": [4]}})))


def test_canonical_keys_imply_their_architecture(tmp_path: Path) -> None:
    bodies = {
        key: {"model_parameters": {
            p: LAYERS[p] for p in architectures.own_parameters(arch)
        }}
        for key, arch in architectures.CANONICAL_ARCHITECTURES.items()
    }
    spec = load(tmp_path, minimal(models=_models(**bodies)))
    assert {m.key: m.architecture for m in spec.models} == architectures.CANONICAL_ARCHITECTURES


def test_parameters_are_in_the_schema() -> None:
    params = spec_schema()["$defs"]["modelParameters"]["properties"]
    for info in architectures.TABLE.values():
        assert set(info.own_parameters) <= set(params)
    assert set(architectures.COMMON_MODEL_PARAMETERS) <= set(params)
    assert tuple(params["masking"]["enum"]) == architectures.MASKING_MODES
    training = spec_schema()["$defs"]["trainingParameters"]["properties"]
    assert tuple(training["optimizer"]["enum"]) == architectures.OPTIMIZERS


def test_the_compiler_fills_goals_from_the_metric(tmp_path: Path) -> None:
    metrics = ["accuracy", "training_time", "model_size", "macro_f1"]
    data = minimal(selection={"criteria": [{"metric": m, "weight": 0.25} for m in metrics]})
    hpo = data["models"]["NeuralNetwork"]["hpo"]
    hpo["objective"] = {"metric": "training_time"}
    del hpo["weights"]
    spec = load(tmp_path, copy.deepcopy(data))
    goals = {c.metric: c.goal for c in spec.selection.criteria}
    assert goals == {m: metric_lines.metric_goal(m) for m in metrics}
    assert {m for m, goal in goals.items() if goal == "minimize"} <= metric_lines.MINIMIZED_METRICS
    (model,) = spec.models
    assert model.hpo is not None and model.hpo.objective.type == "minimize"


def test_metric_line_round_trips_through_katibs_filter() -> None:
    values = {"validation_accuracy": 0.9333333, "training_time": 12.4, "score": -1.5e-7}
    line = metric_lines.metric_line(values)
    assert line == "validation_accuracy=0.933333 training_time=12.4 score=-1.5e-07"
    assert metric_lines.parse_metric_line(line) == pytest.approx(values, rel=1e-5)
    assert metric_lines.metric_line({"loss": float("nan")}) is None


def test_every_step_kind_has_a_runtime_module() -> None:
    import importlib.util

    from ideko.runtime.cli import STEPS

    assert steps.STEP_KINDS == STEPS
    for kind in steps.STEP_KINDS:
        assert importlib.util.find_spec(f"ideko.runtime.steps.{kind}"), kind
