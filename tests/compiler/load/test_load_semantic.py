"""Semantic checks: each registered check on a spec that breaks only its rule."""

from __future__ import annotations

import dataclasses

from ideko.compiler.load.semantic import CHECKS
from spec_texts import MINIMAL, tuned, with_data


def with_hpo(parameters: str, algorithm: str = "random") -> str:
    return tuned(parameters, algorithm, extra="      budget: {max_trials: 4, parallel_trials: 2}\n")


def test_hpo_parameter_that_maps_to_nothing(errors_of) -> None:
    (line,) = errors_of(with_hpo("lr: {type: double, min: 0.001, max: 0.1}"))
    assert line.startswith(
        "specs/spec.yaml:26:9: models.LSTM.hpo.parameters.lr: 'lr' maps to nothing: lstm models "
        "have no model_parameters.lr or training_parameters.lr; set target: to one of "
        "model_parameters.hidden_units.<index>, ")
    assert "training_parameters.learning_rate" in line


def test_hpo_target_misspelt_suggests(write, errors) -> None:
    path = write(with_hpo(
        "units0: {type: int, min: 4, max: 8, target: model_parameters.hiden_units.0}"))
    assert errors(path) == [
        "specs/spec.yaml:26:53: models.LSTM.hpo.parameters.units0.target: target "
        "'model_parameters.hiden_units.0' names nothing in this lstm model; did you mean "
        "'model_parameters.hidden_units'?"
    ]


def test_hpo_target_index_out_of_range(write, errors) -> None:
    path = write(with_hpo(
        "u: {type: int, min: 4, max: 8, target: model_parameters.hidden_units.5}"))
    (line,) = errors(path)
    assert "addresses element 5 but model_parameters.hidden_units has 2 elements" in line


def test_min_not_below_max(errors_of) -> None:
    assert errors_of(with_hpo("learning_rate: {type: double, min: 0.1, max: 0.1}")) == [
        "specs/spec.yaml:26:44: models.LSTM.hpo.parameters.learning_rate.min: min (0.1) must be "
        "less than max (0.1)"
    ]


def test_values_checked_against_target(errors_of) -> None:
    (line,) = errors_of(with_hpo("optimizer: {type: categorical, values: [adam, adamm]}"))
    assert line.startswith("specs/spec.yaml:26:55: models.LSTM.hpo.parameters.optimizer"
                           ".values[1]: not a valid value for training_parameters.optimizer: "
                           "'adamm' is not allowed")
    assert line.endswith("did you mean 'adam'?")


def test_double_on_integer_parameter(errors_of) -> None:
    (line,) = errors_of(with_hpo("batch_size: {type: double, min: 2, max: 8}"))
    assert "training_parameters.batch_size takes whole numbers; use type: int" in line


def test_grid_needs_step_for_double(errors_of) -> None:
    (line,) = errors_of(with_hpo("dropout: {type: double, min: 0.0, max: 0.5}", algorithm="grid"))
    assert line.startswith("specs/spec.yaml:26:9: models.LSTM.hpo.parameters.dropout: the grid "
                           "algorithm needs a step")


def test_log_distribution_needs_positive_min(write, errors) -> None:
    path = write(with_hpo(
        "learning_rate: {type: double, min: 0.0, max: 0.1, distribution: logUniform}"))
    lines = errors(path)
    assert any("logUniform distribution needs min > 0" in line for line in lines)


def test_parallel_trials_above_max(write, errors) -> None:
    text = with_hpo("batch_size: {type: int, min: 2, max: 8}").replace(
        "max_trials: 4, parallel_trials: 2", "max_trials: 2, parallel_trials: 3")
    assert errors(write(text)) == [
        "specs/spec.yaml:24:48: models.LSTM.hpo.budget.parallel_trials: parallel_trials (3) "
        "must not exceed max_trials (2)"
    ]


def test_score_needs_weights(write, errors) -> None:
    text = with_hpo("batch_size: {type: int, min: 2, max: 8}").replace(
        "metric: validation_accuracy", "metric: score")
    (line,) = errors(write(text))
    assert "the score metric needs weights" in line


def test_every_model_disabled(errors_of) -> None:
    assert errors_of(MINIMAL.replace("  LSTM:\n", "  LSTM:\n    enabled: false\n")) == [
        "specs/spec.yaml:14:1: models: every model is disabled; set enabled: true on at least one"
    ]


def test_model_key_not_a_kubernetes_name(write, errors) -> None:
    path = write(MINIMAL.replace("  LSTM:\n", "  LSTM:\n    architecture: lstm\n").replace(
        "  LSTM:", "  lstm.v2:"))
    assert errors(path) == [
        "specs/spec.yaml:15:3: models.lstm.v2: model key 'lstm.v2' becomes 'lstm.v2', not a "
        "valid Kubernetes name; use letters, digits, '_' or '-' (e.g. lstm_large)"
    ]


def test_names_collide_after_normalisation(errors_of) -> None:
    extra = ("  lstm_big:\n    architecture: lstm\n    model_parameters: {hidden_units: [4]}\n"
             "    training_parameters: {epochs: 1, batch_size: 2}\n")
    lines = errors_of(MINIMAL + extra + extra.replace("lstm_big", "LstmBig"))
    assert ("specs/spec.yaml:25:3: models.LstmBig: models 'lstm_big' and 'LstmBig' both become "
            "'lstm-big'; rename one") in lines


def test_parameter_of_another_architecture(errors_of) -> None:
    assert errors_of(MINIMAL.replace("      hidden_units: [8, 4]", "      filters: [8, 4]")) == [
        "specs/spec.yaml:16:5: models.LSTM.model_parameters: lstm models need "
        "model_parameters.hidden_units",
        "specs/spec.yaml:17:7: models.LSTM.model_parameters.filters: 'filters' is not a "
        "parameter of lstm models (it belongs to cnn/fcn/resnet/inception); lstm models take "
        "hidden_units",
    ]


def test_canonical_key_keeps_its_architecture(errors_of) -> None:
    (line,) = errors_of(MINIMAL.replace("  LSTM:\n", "  LSTM:\n    architecture: gru\n"))
    assert line.startswith("specs/spec.yaml:16:19: models.LSTM.architecture: LSTM is always lstm")


def test_required_indicator_must_be_read(write, errors) -> None:
    assert errors(write(with_data(quality_gate="{required_indicators: [f9]}"))) == [
        "specs/spec.yaml:11:40: data.quality_gate.required_indicators[0]: 'f9' is not in "
        "data.indicators, so it is never read"
    ]


def test_request_above_limit(write, errors) -> None:
    text = MINIMAL + "execution:\n  defaults:\n    resources: {memory_request: 2Gi, " \
                     "memory_limit: 512Mi}\n"
    assert errors(write(text)) == [
        "specs/spec.yaml:23:33: execution.defaults.resources.memory_request: memory_request "
        "(2Gi) is greater than memory_limit (512Mi)"
    ]


def test_checks_are_registered_functions() -> None:
    assert len(CHECKS) >= 10 and all(callable(c) and c.__doc__ for c in CHECKS)


def test_promotion_metrics_match_what_evaluate_reports() -> None:
    from ideko.compiler.load.schema_check import load_schema
    from ideko.compiler.load.semantic import EVALUATE_QUALITY_METRICS

    promotion = load_schema()["$defs"]["conditions"]["properties"]["promotion"]
    assert tuple(promotion["properties"]["metric"]["enum"]) == EVALUATE_QUALITY_METRICS


def test_promotion_on_unknown_metric_is_rejected_by_the_check(write, repo) -> None:
    from ideko.compiler.load import load_spec
    from ideko.compiler.load.check_context import CheckContext
    from ideko.compiler.load.semantic import check_conditions
    from ideko.compiler.load.spec_model import Conditions, Promotion
    from ideko.compiler.load.yaml_doc import Locator, read_yaml

    path = write(MINIMAL + "conditions:\n  promotion: {metric: accuracy, threshold: 0.5}\n")
    spec = load_spec(path)
    bad = dataclasses.replace(spec, conditions=Conditions(promotion=Promotion("model_size", 0.5)))
    ctx = CheckContext(Locator([read_yaml(path, "s.yaml")]), {})
    (diag,) = check_conditions(bad, ctx)
    assert str(diag).startswith("s.yaml:22:23: conditions.promotion.metric: 'model_size' is "
                                "not reported by the evaluate step")
    assert list(check_conditions(spec, ctx)) == []


def test_misspelt_include_key(errors_of) -> None:
    lines = errors_of(MINIMAL.split("models:\n")[0] + "models:\n  includes: models.yaml\n")
    assert ("specs/spec.yaml:15:3: models.includes: expected a mapping, got a string "
            "('models.yaml'); did you mean 'include'?") in lines
