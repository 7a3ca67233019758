"""Katib's admission rules at compile time: the built Experiment is checked and each problem
points at the spec field it came from (file:line:col), in the spec's words."""

from __future__ import annotations

from ideko.compiler.load import load_spec
from spec_texts import tuned as tuned_spec

PARAMETERS = """\
u0: {type: int, min: 8, max: 64, step: 8, target: model_parameters.hidden_units.0}
optimizer: {type: categorical, values: [adam, sgd, rmsprop]}
"""


def tuned(algorithm: str = "grid", extra: str = "") -> str:
    return tuned_spec(PARAMETERS, algorithm, extra)


def test_grid_with_more_trials_than_combinations_fails_at_its_line(errors_of) -> None:
    assert errors_of(tuned(extra="      budget: {max_trials: 50, parallel_trials: 2}\n")) == [
        "specs/spec.yaml:24:28: models.LSTM.hpo.budget.max_trials: max_trials (50) exceeds the "
        "24 combinations of the grid; Katib's grid suggestion fails such an Experiment. Lower "
        "max_trials to at most 24 or add grid points"
    ]


def test_grid_with_as_many_trials_as_combinations_compiles(write) -> None:
    (model,) = load_spec(write(tuned(extra="      budget: {max_trials: 24}\n"))).models
    assert model.hpo is not None and model.hpo.max_trials == 24


def test_default_budget_larger_than_the_grid_points_at_hpo(write, errors) -> None:
    text = tuned().replace("min: 8, max: 64, step: 8", "min: 8, max: 16, step: 8")
    (line,) = errors(write(text))  # 2 x 3 points, max_trials defaults to 12
    assert line.startswith("specs/spec.yaml:21:5: models.LSTM.hpo: max_trials (12) exceeds "
                           "the 6 combinations of the grid")


def test_default_parallel_trials_above_a_small_max_trials(errors_of) -> None:
    assert errors_of(tuned("random", "      budget: {max_trials: 1}\n")) == [
        "specs/spec.yaml:24:28: models.LSTM.hpo.budget.max_trials: parallel_trials (2) must "
        "not exceed max_trials (1)"
    ]


def test_algorithm_setting_the_suggestion_service_refuses(errors_of) -> None:
    settings = "      algorithm_settings: {gamma: 0.2, n_startup_trials: -1}\n"
    assert errors_of(tuned("tpe", settings)) == [
        "specs/spec.yaml:24:28: models.LSTM.hpo.algorithm_settings.gamma: unknown setting "
        "'gamma' for tpe; known: n_ei_candidates, n_startup_trials, random_state",
        "specs/spec.yaml:24:58: models.LSTM.hpo.algorithm_settings.n_startup_trials: tpe "
        "setting n_startup_trials must be an integer >= 0, got '-1'",
    ]


def test_cmaes_needs_two_numeric_parameters(write, errors) -> None:
    text = tuned("cmaes").replace("optimizer: {type: categorical, values: [adam, sgd, rmsprop]}",
                                  "optimizer: {type: discrete, values: [1, 2]}")
    text = text.replace("optimizer:", "batch_size:")
    assert errors(write(text)) == [
        "specs/spec.yaml:22:18: models.LSTM.hpo.algorithm: cmaes needs at least two int or "
        "double parameters (Katib's CMA-ES searches a continuous space of two or more "
        "dimensions); use tpe or random"
    ]


def test_cmaes_refuses_categorical_at_the_parameter_type(write, errors) -> None:
    text = tuned("cmaes") + "        learning_rate: {type: double, min: 0.001, max: 0.1}\n"
    (line,) = errors(write(text))
    assert line.startswith("specs/spec.yaml:26:27: ")
    assert "models.LSTM.hpo.parameters.optimizer.type: cmaes cannot search categorical" in line
