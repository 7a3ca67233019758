"""Semantic checks of data.length: a policy needs its max_length and the other way round."""

from __future__ import annotations

import pytest
from spec_texts import with_data


@pytest.mark.parametrize(
    ("length", "line"),
    [
        pytest.param(
            "{policy: resample}",
            "specs/spec.yaml:11:20: data.length.policy: the resample length policy needs "
            "max_length (the longest series the models see, in points)",
            id="a_policy_needs_max_length",
        ),
        pytest.param(
            "{max_length: 500}",
            "specs/spec.yaml:11:24: data.length.max_length: max_length is only used by the "
            "truncate and resample policies (set data.length.policy)",
            id="max_length_needs_a_policy",
        ),
    ],
)
def test_policy_and_max_length_come_together(errors_of, length: str, line: str) -> None:
    assert errors_of(with_data(length=length)) == [line]


def test_the_options_reach_the_compiled_data_config(write, repo, monkeypatch) -> None:
    from ideko.compiler.load import load_spec

    monkeypatch.chdir(repo)
    text = with_data(length="{policy: truncate, max_length: 64}", series_normalisation="zscore")
    config = load_spec(write(text).relative_to(repo)).data_config()
    assert config["length"] == {"policy": "truncate", "max_length": 64}
    assert config["series_normalisation"] == "zscore"
