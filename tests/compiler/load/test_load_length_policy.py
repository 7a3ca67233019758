"""Semantic checks of data.length: a policy needs its max_length and the other way round."""

from __future__ import annotations

from spec_texts import MINIMAL


def with_length(length: str) -> str:
    """MINIMAL with ``data.length`` written on line 11 (flow style)."""
    return MINIMAL.replace("  classes:", f"  length: {length}\n  classes:")


def test_a_policy_needs_max_length(errors_of) -> None:
    assert errors_of(with_length("{policy: resample}")) == [
        "specs/spec.yaml:11:20: data.length.policy: the resample length policy needs "
        "max_length (the longest series the models see, in points)"
    ]


def test_max_length_needs_a_policy(errors_of) -> None:
    assert errors_of(with_length("{max_length: 500}")) == [
        "specs/spec.yaml:11:24: data.length.max_length: max_length is only used by the "
        "truncate and resample policies (set data.length.policy)"
    ]


def test_the_options_reach_the_compiled_data_config(write, repo, monkeypatch) -> None:
    from ideko.compiler.load import load_spec

    monkeypatch.chdir(repo)
    text = with_length("{policy: truncate, max_length: 64}").replace(
        "  classes:", "  series_normalisation: zscore\n  classes:")
    config = load_spec(write(text).relative_to(repo)).data_config()
    assert config["length"] == {"policy": "truncate", "max_length": 64}
    assert config["series_normalisation"] == "zscore"
