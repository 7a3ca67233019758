"""Semantic checks of the validation set: its strategy fits the split, one size for all."""

from __future__ import annotations

import pytest
from spec_texts import MINIMAL, with_data


@pytest.mark.parametrize(
    ("split", "line"),
    [
        pytest.param(
            "{validation: {strategy: by_day}}",
            "specs/spec.yaml:11:34: data.split.validation.strategy: validation by_day holds out "
            "training days; it needs split.strategy by_day (or use stratified)",
            id="by_day_validation_needs_a_by_day_split",
        ),
        pytest.param(
            "{strategy: by_day, validation: {days: [d1]}}",
            "specs/spec.yaml:11:42: data.split.validation.days: validation days are only used "
            "by the by_day validation strategy (set validation.strategy: by_day)",
            id="validation_days_need_the_by_day_validation",
        ),
        pytest.param(
            "{strategy: by_day, test_days: [d2], validation: {strategy: by_day, days: [d2]}}",
            "specs/spec.yaml:11:84: data.split.validation.days[0]: day 'd2' is a test day; a "
            "validation day must be a training day",
            id="a_validation_day_cannot_be_a_test_day",
        ),
    ],
)
def test_the_validation_strategy_fits_the_split(errors_of, split: str, line: str) -> None:
    assert errors_of(with_data(split=split)) == [line]


def test_a_model_validation_split_other_than_the_datasets_is_an_error(errors_of) -> None:
    given = "      batch_size: 4\n      validation_split: 0.3"
    text = MINIMAL.replace("      batch_size: 4", given)
    (line,) = errors_of(text)
    assert line.startswith("specs/spec.yaml:21:25: models.LSTM.training_parameters."
                           "validation_split: validation_split 0.3 differs from "
                           "data.split.validation.size 0.2")
