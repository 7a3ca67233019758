"""The validation rows: drawn from the training rows with the seed, recorded, gated.

The class-ordered, day-foldered tree is how public UCR/UEA sets look once converted (one class
folder per label, the official train and test files as two day folders): the reader returns
the training rows class folder by class folder, so the last 20 % of them (Keras'
``validation_split``) is one class. A ``by_day`` split must validate on every class.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from datatree_helpers import CLASS_FOLDERS, write_class_ordered, write_series
from ideko.runtime.data.config import parse_data_config
from ideko.runtime.data.dataset_io import load_dataset, load_metadata, save_dataset, save_metadata
from ideko.runtime.data.prepare import prepare

LABELS = ("not anomalous", "mechanical anomaly", "electrical anomaly")


@pytest.fixture(scope="module")
def class_ordered(tmp_path_factory) -> Path:
    """3 classes; day ``train`` holds 20 series per class, day ``test`` 3 (UCR-like)."""
    return write_class_ordered(tmp_path_factory.mktemp("ucr") / "data")


def by_day(**validation) -> dict:
    split = {"strategy": "by_day", "test_days": ["test"], "seed": 2}
    if validation:
        split["validation"] = validation
    return {"indicators": ["f3", "f4", "f5"], "split": split}


def test_by_day_validates_on_every_class(class_ordered):
    train, test, meta, report = prepare(class_ordered, by_day())
    assert len(train) == 60 and len(test) == 9
    val = meta["split"]["validation"]
    assert val["resolved"] == "stratified"
    assert val["class_distribution"] == dict.fromkeys(sorted(LABELS), 4)
    assert val["rows"] == 12 and val["fit_rows"] == 48
    assert train.validation_distribution() == val["class_distribution"]
    assert report.verdict == "PASS"
    assert not [w for w in report.warnings if "validation set" in w]


def test_the_original_tail_on_class_ordered_rows_is_one_class_and_a_gate_warning(class_ordered):
    _, _, meta, report = prepare(class_ordered, by_day(strategy="tail"))
    counts = meta["split"]["validation"]["class_distribution"]
    assert sorted(counts.values()) == [0, 0, 12]
    warned = [w for w in report.warnings if "validation set has 0 series of class" in w]
    assert len(warned) == 2 and report.verdict == "PASS"
    config = by_day(strategy="tail")
    config["quality_gate"] = {"validation_failure": "fail"}
    _, _, _, failed = prepare(class_ordered, config)
    assert failed.verdict == "FAIL"
    assert sum("validation set has 0 series" in f for f in failed.failures) == 2


def test_random_split_keeps_the_keras_validation_split_rows(raw_data):
    config = {"indicators": ["f3", "f4", "f5"], "split": {"strategy": "random", "seed": 2}}
    train, _, meta, _ = prepare(raw_data, config)
    n = len(train)
    cut = int(np.floor(n * (1.0 - 0.2)))  # keras' train_validation_split
    assert np.array_equal(np.flatnonzero(train.validation), np.arange(cut, n))
    assert meta["split"]["validation"]["resolved"] == "tail"


def test_stratified_validation_is_seeded_and_per_class(raw_data):
    config = {"indicators": ["f3", "f4", "f5"], "split": {"strategy": "stratified", "seed": 5}}
    first, _, _, _ = prepare(raw_data, config)
    again, _, _, _ = prepare(raw_data, config)
    other, _, _, _ = prepare(raw_data, config, seed=6)
    assert np.array_equal(first.validation, again.validation)
    assert not np.array_equal(first.validation, other.validation)
    train_counts = first.class_distribution()
    for label, count in first.validation_distribution().items():
        assert count == min(max(round(0.2 * train_counts[label]), 1), train_counts[label] - 1)


def test_by_day_validation_days_hold_out_whole_days(tmp_path):
    root = tmp_path / "data"
    for c, folder in enumerate(CLASS_FOLDERS):
        for d, day in enumerate(("d1", "d2", "d3")):
            for i in range(3):
                write_series(root, folder, day, f"s{i}", 10, 100 * c + 10 * d + i)
    def days_config(days: list[str]) -> dict:
        validation = {"strategy": "by_day", "days": days}
        split = {"strategy": "by_day", "test_days": ["d3"], "validation": validation}
        return {"indicators": ["f3", "f4", "f5"], "split": split}

    train, _, meta, report = prepare(root, days_config(["d2"]))
    assert set(train.days[train.validation].tolist()) == {"d2"}
    assert set(train.days[~train.validation].tolist()) == {"d1"}
    assert meta["split"]["validation"]["days"] == ["d2"]
    assert report.verdict == "PASS", report.failures
    _, _, _, failed = prepare(root, days_config(["d3"]))
    assert failed.verdict == "FAIL"
    assert any("validation day(s) ['d3'] are not training days" in f for f in failed.failures)


def test_a_small_validation_set_is_below_the_floor(good_tree):
    config = parse_data_config({"indicators": ["f3"], "split": {"strategy": "stratified"}})
    _, _, meta, report = prepare(good_tree, config)
    rows = meta["split"]["validation"]["rows"]
    assert rows < config.gate.min_validation_series == 10
    assert any(f"validation set has {rows} series, below the floor of 10" in w
               for w in report.warnings)


def test_validation_rows_and_metadata_round_trip(class_ordered, tmp_path):
    train, _, meta, _ = prepare(class_ordered, by_day())
    save_dataset(tmp_path / "train.npz", train)
    save_metadata(tmp_path / "meta.json", meta)
    assert np.array_equal(load_dataset(tmp_path / "train.npz").validation, train.validation)
    assert load_metadata(tmp_path / "meta.json")["format"] == "ideko-dataset/v2"


def test_validation_counts_print_as_integers_after_kfp_metadata():
    """KFP artifact metadata (a protobuf Struct) hands every number back as a float."""
    from ideko.runtime.data.quality import describe_validation

    validation = {"rows": 39.0, "fit_rows": 153.0, "resolved": "tail", "days": [],
                  "class_distribution": {"not anomalous": 13.0, "mechanical anomaly": 9.0}}
    assert describe_validation(validation) == (
        "validation: 39 of 192 training series, tail: not anomalous 13, mechanical anomaly 9"
    )
