"""Katib's StdOut collector rules: what parses, what must not."""

import pytest
from ideko.local.katib.metrics import LineParser, Observation
from ideko.schema.metric_lines import KATIB_DEFAULT_FILTER

NAMES = ("accuracy", "training_time", "f1-macro")


def parse(line, names=NAMES, filters=(KATIB_DEFAULT_FILTER,)):
    return [(m.name, m.value) for m in LineParser(names, filters).parse(line)]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("accuracy=0.91", [("accuracy", 0.91)]),
        ("accuracy = 0.91", [("accuracy", 0.91)]),
        ("epoch=3 accuracy=0.5 training_time=12.25", [("accuracy", 0.5), ("training_time", 12.25)]),
        ("accuracy=1e-3", [("accuracy", 0.001)]),
        ("accuracy=-2.5E+2", [("accuracy", -250.0)]),
        ("accuracy=.5", [("accuracy", 0.5)]),
        ("f1-macro=0.7", [("f1-macro", 0.7)]),
        ("accuracy=0.1 accuracy=0.2", [("accuracy", 0.1), ("accuracy", 0.2)]),
        ("2024-05-01T10:00:00Z accuracy=0.8", [("accuracy", 0.8)]),
    ],
)
def test_lines_that_parse(line, expected):
    assert parse(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        "val_accuracy=0.9",  # a different metric whose name merely contains ours
        "accuracy: 0.9",  # not name=value
        "accuracy=",  # no number
        "accuracy=nan",
        "accuracy=inf",
        "loss=0.3",  # not an experiment metric
        "the accuracy was good",
        "",
    ],
)
def test_lines_that_must_not_parse(line):
    assert parse(line) == []


def test_timestamp_is_kept():
    (log,) = LineParser(NAMES).parse("2024-05-01T10:00:00.5Z accuracy=0.8\n")
    assert log.timestamp == "2024-05-01T10:00:00.5Z"


def test_custom_filter_replaces_default():
    filters = (r"([\w]+):\s*(\d+\.\d+)",)
    assert parse("accuracy: 0.75 loss: 0.2", filters=filters) == [("accuracy", 0.75)]
    assert parse("accuracy=0.75", filters=filters) == []


def test_observation_strategies_and_katib_form():
    obs = Observation()
    parser = LineParser(NAMES)
    for line in ["accuracy=0.5", "accuracy=0.9", "accuracy=0.7"]:
        obs.add(parser.parse(line))
    assert obs.value("accuracy", "max") == 0.9
    assert obs.value("accuracy", "min") == 0.5
    assert obs.value("accuracy", "latest") == 0.7
    assert obs.value("training_time", "latest") is None
    metrics = obs.to_katib(["accuracy", "training_time"])["metrics"]
    assert metrics[0] == {"name": "accuracy", "min": "0.5", "max": "0.9", "latest": "0.7"}
    assert metrics[1]["latest"] == "unavailable"
