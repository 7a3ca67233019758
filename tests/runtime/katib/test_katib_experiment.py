"""Manifest parsing: Katib defaults applied, every problem reported with a clear message."""

import copy

import pytest
import yaml
from hpo_helpers import categorical, manifest
from ideko.runtime.katib.errors import ManifestError
from ideko.runtime.katib.experiment import (
    Parameter,
    load_experiment,
    parse_experiment,
    plan_from_dict,
)


def problems(document):
    with pytest.raises(ManifestError) as info:
        plan_from_dict(document)
    return "\n".join(info.value.problems)


def test_valid_manifest_and_katib_defaults():
    document = manifest(max_trials=5, parallel=2, max_failed=None)
    del document["spec"]["parallelTrialCount"]
    plan = plan_from_dict(document)
    assert plan.parallel_trial_count == 3  # Katib's default
    assert plan.max_failed_trial_count is None
    assert plan.objective.strategies == {"accuracy": "max", "training_time": "max"}
    assert plan.metric_filters[0].startswith(r"([\w|-]+)")
    assert plan.template.trial_parameters == {"q": "q"}
    assert plan.parameters[0] == Parameter("q", "double", 0.1, 0.9)


def test_metric_strategies_override_defaults():
    document = manifest(objective_type="minimize")
    document["spec"]["objective"]["metricStrategies"] = [
        {"name": "training_time", "value": "latest"}
    ]
    plan = plan_from_dict(document)
    assert plan.objective.strategies == {"accuracy": "min", "training_time": "latest"}


def test_unknown_algorithm_names_supported_ones():
    text = problems(manifest(algorithm="hyperband"))
    assert "'hyperband' is not supported" in text
    assert "bayesianoptimization" in text and "multivariate-tpe" in text


def test_unsupported_collector_names_supported_ones():
    document = manifest()
    document["spec"]["metricsCollectorSpec"] = {"collector": {"kind": "Custom"}}
    supported = "supported: StdOut, File, TensorFlowEvent"
    assert f"'Custom' is not supported by the local tuner; {supported}" in problems(document)


def test_all_problems_reported_at_once():
    document = manifest(settings={"bogus": "1"}, max_trials=2, parallel=3)
    document["spec"]["parameters"][0]["feasibleSpace"]["min"] = "abc"
    text = problems(document)
    assert "unknown setting 'bogus'" in text
    assert "spec.parallelTrialCount (3) must not exceed maxTrialCount (2)" in text
    assert "'abc' is not a valid double" in text


def test_numbers_must_be_strings_as_in_katib():
    document = manifest()
    document["spec"]["parameters"][0]["feasibleSpace"]["min"] = 0.1
    assert "numbers as strings" in problems(document)


def test_grid_needs_step_and_enough_combinations():
    assert "the grid algorithm needs a step for every double parameter" in problems(
        manifest(algorithm="grid")
    )
    params = [
        {
            "name": "q",
            "parameterType": "double",
            "feasibleSpace": {"min": "0.1", "max": "0.3", "step": "0.1"},
        }
    ]
    assert "spec.maxTrialCount (4) exceeds the 3 combinations of the grid" in problems(
        manifest(algorithm="grid", parameters=params, max_trials=4)
    )
    plan = plan_from_dict(manifest(algorithm="grid", parameters=params, max_trials=3))
    assert plan.parameters[0].grid() == ["0.1", "0.2", "0.3"]


def test_cmaes_rejects_categorical_instead_of_silently_sampling_it():
    params = [
        {"name": "q", "parameterType": "double", "feasibleSpace": {"min": "0.1", "max": "0.9"}},
        categorical("act", ["relu", "tanh"]),
    ]
    args = ["--quality", "${trialParameters.q}", "--act", "${trialParameters.act}"]
    text = problems(manifest(algorithm="cmaes", parameters=params, args=args))
    assert "cmaes needs at least two" in text and "cmaes cannot search categorical" in text


def test_template_placeholders_must_match_trial_parameters():
    text = problems(manifest(args=["--quality", "${trialParameters.nope}"]))
    assert "${trialParameters.nope} is not declared" in text
    assert "trialParameter 'q' is never used" in text
    document = manifest()
    document["spec"]["trialTemplate"]["trialParameters"][0]["reference"] = "missing"
    assert "reference 'missing' is neither" in problems(document)


def test_parameter_shapes():
    bad = [
        {"name": "a", "parameterType": "int", "feasibleSpace": {"min": "1.5", "max": "4"}},
        {
            "name": "b",
            "parameterType": "double",
            "feasibleSpace": {"min": "0", "max": "1", "distribution": "logUniform"},
        },
        {"name": "c", "parameterType": "categorical", "feasibleSpace": {"list": []}},
        {"name": "d", "parameterType": "double", "feasibleSpace": {"min": "2", "max": "1"}},
        {"name": "e", "parameterType": "discrete", "feasibleSpace": {"list": ["1", "x"]}},
    ]
    args = [f"--{p['name']}=${{trialParameters.{p['name']}}}" for p in bad]
    text = problems(manifest(parameters=bad, args=args))
    assert "'1.5' is not a valid int" in text
    assert "a logUniform distribution needs min > 0, got 0" in text
    assert "list must not be empty" in text
    assert "min (2) must be less than max (1)" in text
    assert "discrete values must be numbers" in text


def test_medianstop_settings():
    plan = plan_from_dict(manifest(early_stopping={"min_trials_required": "2"}))
    assert (plan.early_stopping.min_trials_required, plan.early_stopping.start_step) == (2, 4)
    assert "must be an integer > 0" in problems(manifest(early_stopping={"start_step": "0"}))
    document = manifest()
    document["spec"]["earlyStopping"] = {"algorithmName": "hyperband-stop"}
    assert "supported: medianstop" in problems(document)


def test_not_yaml_and_not_an_experiment(tmp_path):
    with pytest.raises(ManifestError, match="not valid YAML"):
        parse_experiment("a: [")
    with pytest.raises(ManifestError, match="must be a mapping"):
        parse_experiment("- 1")
    document = copy.deepcopy(manifest())
    document["kind"] = "Trial"
    assert "kind must be Experiment" in problems(document)
    with pytest.raises(ManifestError, match="cannot read"):
        load_experiment(tmp_path / "missing.yaml")
    path = tmp_path / "exp.yaml"
    path.write_text(yaml.safe_dump(manifest()))
    assert load_experiment(path).name == "fake-exp"


def test_compiler_manifests_are_accepted():
    """The compiler's Katib manifests for the example spec load as plans."""
    from pathlib import Path

    from ideko.compiler.build.katib import build_katib
    from ideko.compiler.load import load_spec
    from ideko.runtime.katib.overrides import set_targets

    root = Path(__file__).resolve().parents[3]
    built = build_katib(load_spec(root / "specs" / "ideko.yaml"))
    assert built
    for document in built.values():
        plan = plan_from_dict(document)
        targets = set_targets(plan)
        assert set(targets) == {p.name for p in plan.parameters}
