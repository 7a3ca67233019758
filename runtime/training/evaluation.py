"""Evaluation metrics: accuracy, macro and per-class scores by class name, confusion matrix.

As the original, a model is scored on the test split and on the whole dataset (train + test).
Latency is the wall time of batched inference over the test set divided by its size,
measured after a warm-up batch; size is the saved ``.keras`` file in bytes.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from ideko.schema.selection_metrics import SUMMARY_FIELDS

# The evaluation summary's keys (what the selection metrics read), in logging order.
SUMMARY_KEYS: tuple[str, ...] = SUMMARY_FIELDS


def classification_metrics(
    y_true: np.ndarray, y_pred: np.ndarray, classes: Sequence[str]
) -> dict[str, Any]:
    """Scores for integer labels; per-class entries and the matrix are keyed by class name."""
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    labels = list(range(len(classes)))
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, average=None, zero_division=0
    )
    matrix = confusion_matrix(y_true, y_pred, labels=labels)
    total = len(y_true)
    return {
        "num_samples": total,
        "accuracy": float(np.mean(y_true == y_pred)) if total else 0.0,
        "macro_precision": float(np.mean(precision)),
        "macro_recall": float(np.mean(recall)),
        "macro_f1": float(np.mean(f1)),
        "per_class": {
            name: {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(support[i]),
            }
            for i, name in enumerate(classes)
        },
        "confusion_matrix": {"labels": list(classes), "matrix": matrix.astype(int).tolist()},
    }


def predict_classes(model: Any, x: np.ndarray, batch_size: int = 32) -> np.ndarray:
    """Arg-max class index per series (empty input gives an empty array)."""
    if len(x) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.asarray(model.predict(x, batch_size=batch_size, verbose=0)).argmax(axis=1)


def inference_latency_ms(model: Any, x: np.ndarray, batch_size: int = 32) -> float:
    """Milliseconds per series for batched inference over ``x`` (after one warm-up batch).

    ``predict_on_batch`` skips ``predict``'s per-call data-pipeline set-up, which on a small
    test set would otherwise dominate the time and say nothing about the model.
    """
    if len(x) == 0:
        return 0.0
    model.predict_on_batch(x[:batch_size])
    started = time.perf_counter()
    for start in range(0, len(x), batch_size):
        model.predict_on_batch(x[start : start + batch_size])
    return (time.perf_counter() - started) * 1000.0 / len(x)


def evaluate_model(
    model: Any,
    model_file: str | Path,
    train: Any,
    test: Any,
    batch_size: int = 32,
) -> dict[str, Any]:
    """Test and whole-dataset metrics plus latency and size; datasets have X, y, classes."""
    classes = list(test.classes)
    if list(train.classes) != classes:
        raise ValueError(f"train classes {list(train.classes)} differ from test classes {classes}")
    test_true = np.asarray(test.y).argmax(axis=1) if len(test.X) else np.zeros(0, dtype=np.int64)
    train_true = np.asarray(train.y).argmax(axis=1) if len(train.X) else np.zeros(0, dtype=np.int64)
    test_pred = predict_classes(model, test.X, batch_size)
    train_pred = predict_classes(model, train.X, batch_size)
    return {
        "classes": classes,
        "test": classification_metrics(test_true, test_pred, classes),
        "whole_dataset": classification_metrics(
            np.concatenate([train_true, test_true]),
            np.concatenate([train_pred, test_pred]),
            classes,
        ),
        "inference_latency_ms": inference_latency_ms(model, test.X, batch_size),
        "model_size_bytes": Path(model_file).stat().st_size,
    }


def summary_metrics(evaluation: dict[str, Any], training_time: float) -> dict[str, float]:
    """The flat numbers logged to KFP ``Metrics`` and used for selection."""
    test = evaluation["test"]
    return {
        "accuracy": float(test["accuracy"]),
        "macro_precision": float(test["macro_precision"]),
        "macro_recall": float(test["macro_recall"]),
        "macro_f1": float(test["macro_f1"]),
        "training_time": float(training_time),
        "model_size_bytes": float(evaluation["model_size_bytes"]),
        "inference_latency_ms": float(evaluation["inference_latency_ms"]),
    }
