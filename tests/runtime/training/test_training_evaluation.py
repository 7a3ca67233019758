"""Evaluation metrics by class name (``runtime/training/evaluation.py``)."""

from __future__ import annotations

import numpy as np
import pytest
from ideko.runtime.training.evaluation import classification_metrics

CLASSES = ["electrical anomaly", "mechanical anomaly", "not anomalous"]


def test_classification_metrics_are_keyed_by_class_name():
    y_true = np.array([0, 0, 1, 1, 2, 2])
    y_pred = np.array([0, 1, 1, 1, 2, 0])
    out = classification_metrics(y_true, y_pred, CLASSES)
    assert out["accuracy"] == pytest.approx(4 / 6)
    assert out["per_class"]["mechanical anomaly"] == {
        "precision": pytest.approx(2 / 3),
        "recall": 1.0,
        "f1": pytest.approx(0.8),
        "support": 2,
    }
    assert out["per_class"]["not anomalous"]["recall"] == 0.5
    assert out["confusion_matrix"] == {
        "labels": CLASSES,
        "matrix": [[1, 1, 0], [0, 2, 0], [1, 0, 1]],
    }
    f1s = [v["f1"] for v in out["per_class"].values()]
    assert out["macro_f1"] == pytest.approx(sum(f1s) / 3)


def test_absent_class_counts_as_zero_not_as_error():
    out = classification_metrics(np.array([0, 0]), np.array([0, 0]), CLASSES)
    assert out["per_class"]["not anomalous"] == {
        "precision": 0.0,
        "recall": 0.0,
        "f1": 0.0,
        "support": 0,
    }
    assert out["confusion_matrix"]["matrix"][2] == [0, 0, 0]
