"""Katib's budget rule: maxFailedTrialCount never exceeds maxTrialCount."""

from __future__ import annotations

from ideko.compiler.load import load_spec
from spec_texts import tuned as tuned_spec


def tuned(budget: str) -> str:
    return tuned_spec(
        "learning_rate: {type: double, min: 0.001, max: 0.01}", extra=f"      budget: {budget}\n"
    )


def test_default_failed_budget_shrinks_to_a_small_max_trials(write) -> None:
    (model,) = load_spec(write(tuned("{max_trials: 2, parallel_trials: 1}"))).models
    assert model.hpo is not None
    assert (model.hpo.max_trials, model.hpo.max_failed_trials) == (2, 2)
    (model,) = load_spec(write(tuned("{max_trials: 8}"))).models
    assert model.hpo is not None and model.hpo.max_failed_trials == 3


def test_written_failed_budget_above_max_trials_is_an_error(errors_of) -> None:
    assert errors_of(tuned("{max_trials: 2, parallel_trials: 1, max_failed_trials: 5}")) == [
        "specs/spec.yaml:24:70: models.LSTM.hpo.budget.max_failed_trials: max_failed_trials (5) "
        "must not exceed max_trials (2); Katib rejects such an Experiment"
    ]
