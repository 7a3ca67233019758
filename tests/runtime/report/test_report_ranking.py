"""Ranking by weighted criteria and the promotion gate (``runtime/report/ranking.py``)."""

from __future__ import annotations

import pytest
from ideko.runtime.report.ranking import (
    SelectionError,
    parse_criteria,
    passes_promotion,
    rank_models,
)

SUMMARIES = {
    "cnn": {"macro_f1": 0.80, "accuracy": 0.85, "training_time": 10.0},
    "lstm": {"macro_f1": 0.90, "accuracy": 0.90, "training_time": 50.0},
    "rnn": {"macro_f1": 0.60, "accuracy": 0.70, "training_time": 30.0},
}
CRITERIA = {
    "criteria": [
        {"metric": "macro_f1", "weight": 0.7},
        {"metric": "accuracy", "weight": 0.2},
        {"metric": "training_time", "weight": 0.1},
    ]
}


def test_rank_by_normalised_weighted_sum():
    ranking = rank_models(SUMMARIES, parse_criteria(CRITERIA))
    assert [r.name for r in ranking] == ["lstm", "cnn", "rnn"]
    lstm, cnn, rnn = ranking
    assert lstm.normalised == {"macro_f1": 1.0, "accuracy": 1.0, "training_time": 0.0}
    assert lstm.score == pytest.approx(0.9)
    assert cnn.score == pytest.approx(0.7 * (2 / 3) + 0.2 * 0.75 + 0.1 * 1.0)
    assert rnn.score == pytest.approx(0.1 * 0.5)
    assert [r.rank for r in ranking] == [1, 2, 3]


def test_time_weight_can_flip_the_choice():
    fast = {
        "criteria": [
            {"metric": "macro_f1", "weight": 0.3},
            {"metric": "training_time", "weight": 0.7},
        ]
    }
    assert rank_models(SUMMARIES, parse_criteria(fast))[0].name == "cnn"


def test_ties_are_broken_by_name():
    tied = {name: {"accuracy": 0.5} for name in ("b-model", "a-model", "c-model")}
    ranking = rank_models(tied, parse_criteria({"criteria": [{"metric": "accuracy", "weight": 1}]}))
    assert [r.name for r in ranking] == ["a-model", "b-model", "c-model"]
    assert all(r.score == 1.0 for r in ranking)


def test_model_size_and_latency_map_to_summary_keys():
    criteria = parse_criteria(
        {
            "criteria": [
                {"metric": "model_size", "weight": 1},
                {"metric": "inference_latency", "weight": 1},
            ]
        }
    )
    assert [(c.key, c.goal) for c in criteria] == [
        ("model_size_bytes", "minimize"),
        ("inference_latency_ms", "minimize"),
    ]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({}, "non-empty list"),
        ({"criteria": [{"metric": "auc", "weight": 1}]}, "unknown metric 'auc'"),
        ({"criteria": [{"metric": "accuracy", "weight": -1}]}, "weight"),
        ({"criteria": [{"metric": "accuracy", "weight": 1, "goal": "up"}]}, "goal"),
    ],
)
def test_bad_selection_configs(config, message):
    with pytest.raises(SelectionError, match=message):
        parse_criteria(config)


def test_promotion_gate():
    summary = {"accuracy": 0.7, "training_time": 12.0}
    assert passes_promotion(summary, {}) is True
    assert passes_promotion(summary, {"metric": "accuracy", "threshold": 0.7}) is True
    assert passes_promotion(summary, {"metric": "accuracy", "threshold": 0.71}) is False
    assert passes_promotion(summary, {"metric": "training_time", "threshold": 10}) is False
    with pytest.raises(SelectionError, match="macro_f1"):
        passes_promotion(summary, {"metric": "macro_f1", "threshold": 0.5})
