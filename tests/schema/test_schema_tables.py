"""Step kinds, the architecture table and metric goals: one copy, equal to today's users."""

from __future__ import annotations

import pytest
from ideko.compiler.load import defaults as normalize
from ideko.compiler.load import metric_direction, semantic, spec_model
from ideko.schema import architectures, metric_lines, steps
from ideko.schema.defaults import spec_schema


def test_step_kinds_are_the_compilers() -> None:
    assert steps.STEP_KINDS == normalize.STEP_KINDS
    assert steps.STEP_KINDS == tuple(spec_schema()["$defs"]["execution"]["properties"]["steps"][
        "properties"
    ])


def test_architectures_are_the_schemas() -> None:
    model = spec_schema()["$defs"]["model"]["properties"]
    assert architectures.ARCHITECTURES == tuple(model["architecture"]["enum"])


def test_parameters_are_the_compilers() -> None:
    assert architectures.COMMON_MODEL_PARAMETERS == semantic.COMMON_MODEL_PARAMETERS
    for arch in architectures.ARCHITECTURES:
        assert architectures.own_parameters(arch) == semantic.ARCHITECTURE_PARAMETERS[arch]
        assert architectures.default_activation(arch) == normalize.DEFAULT_ACTIVATION[arch]
        assert architectures.layer_key(arch) in architectures.own_parameters(arch)
    assert architectures.CANONICAL_ARCHITECTURES == spec_model.CANONICAL_ARCHITECTURES


def test_parameters_are_in_the_schema() -> None:
    params = spec_schema()["$defs"]["modelParameters"]["properties"]
    for info in architectures.TABLE.values():
        assert set(info.own_parameters) <= set(params)
    assert set(architectures.COMMON_MODEL_PARAMETERS) <= set(params)
    assert tuple(params["masking"]["enum"]) == architectures.MASKING_MODES
    training = spec_schema()["$defs"]["trainingParameters"]["properties"]
    assert tuple(training["optimizer"]["enum"]) == architectures.OPTIMIZERS


@pytest.mark.parametrize("metric", ["accuracy", "training_time", "model_size", "score"])
def test_metric_goal_is_the_compilers(metric: str) -> None:
    assert metric_lines.metric_goal(metric) == metric_direction.metric_goal(metric)
    assert metric_lines.MINIMIZED_METRICS == metric_direction.MINIMIZED_METRICS


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
