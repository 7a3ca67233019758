"""The selection-metric table is the spec schema's criterion and promotion enums."""

from __future__ import annotations

from ideko.schema import metric_lines, selection_metrics
from ideko.schema.defaults import spec_schema


def test_criterion_enum_is_the_tables_keys() -> None:
    enum = spec_schema()["$defs"]["criterion"]["properties"]["metric"]["enum"]
    assert sorted(enum) == sorted(selection_metrics.SELECTION_METRICS)
    assert len(enum) == len(selection_metrics.SELECTION_METRICS)


def test_promotion_enum_is_the_quality_metrics() -> None:
    promotion = spec_schema()["$defs"]["conditions"]["properties"]["promotion"]
    enum = promotion["properties"]["metric"]["enum"]
    assert sorted(enum) == sorted(selection_metrics.PROMOTION_METRICS)


def test_fields_and_directions() -> None:
    assert selection_metrics.summary_field("model_size") == "model_size_bytes"
    assert selection_metrics.summary_field("inference_latency") == "inference_latency_ms"
    assert selection_metrics.summary_field("model_size_bytes") == "model_size_bytes"
    assert selection_metrics.summary_field("auc") is None
    assert selection_metrics.SUMMARY_FIELDS == (
        "accuracy", "macro_precision", "macro_recall", "macro_f1",
        "training_time", "model_size_bytes", "inference_latency_ms",
    )  # fmt: skip
    for name, metric in selection_metrics.SELECTION_METRICS.items():
        assert selection_metrics.field_goal(metric.field) == metric.goal
        assert metric_lines.metric_goal(name) == metric.goal
    assert metric_lines.metric_goal("validation_accuracy") == "maximize"
    assert metric_lines.MINIMIZED_METRICS == {"training_time", "model_size", "inference_latency"}
