"""prepare(): datasets, metadata sidecar and quality verdict from one tree."""

from __future__ import annotations

import numpy as np
from datatree_helpers import write_series, write_zip
from ideko.runtime.data.prepare import load_raw, prepare
from ideko.runtime.data.quality import to_markdown


def test_prepare_pass(good_tree, data_config):
    train, test, meta, report = prepare(good_tree, data_config)
    assert report.verdict == "PASS" and report.reasons == []
    assert len(train) + len(test) == 12 and len(test) == 3  # one per class (stratified)
    assert train.X.shape[1:] == test.X.shape[1:] == (16, 3)
    assert meta["classes"] == ["electrical anomaly", "mechanical anomaly", "not anomalous"]
    assert meta["shapes"] == {"train": [9, 16, 3], "test": [3, 16, 3]}
    assert sum(meta["class_distribution"]["all"].values()) == 12
    assert meta["source"]["fingerprint"].startswith("sha256:")
    assert meta["quality"]["verdict"] == "PASS"
    # every row's one-hot matches its label name
    for ds in (train, test):
        assert [ds.classes[i] for i in ds.y_int] == ds.labels.tolist()


def test_seed_overrides_split_seed(good_tree, data_config):
    a = prepare(good_tree, data_config)[1].paths.tolist()
    b = prepare(good_tree, data_config, seed=2)[1].paths.tolist()
    c = prepare(good_tree, data_config, seed=11)[1].paths.tolist()
    assert a == b and a != c


def test_thresholds_fail_the_gate_and_broken_files_are_reasons(good_tree, data_config):
    day = good_tree / "electrical_anomalies" / "2024-03-01"
    (day / "bad.zip").write_bytes(b"garbage")
    config = data_config.to_dict()
    config["quality_gate"]["min_per_class"] = 5
    _, _, meta, report = prepare(good_tree, config)
    assert report.verdict == "FAIL"
    assert len(report.failures) == 3  # each class has 4 < 5
    assert report.failures[0].startswith("class 'not anomalous' has 4 series")
    assert report.warnings == [
        "broken file electrical_anomalies/2024-03-01/bad.zip: corrupt zip "
        "(File is not a zip file) (excluded)"
    ]
    assert meta["quality"]["reasons"] == report.reasons
    text = to_markdown(report, "data")
    assert (
        "# Data quality report: FAIL" in text
        and "`electrical_anomalies/2024-03-01/bad.zip`" in text
    )


def test_nan_within_limit_is_replaced_and_over_limit_fails(tmp_path, data_config):
    root = tmp_path / "d"
    for i, folder in enumerate(["not_anomalous", "mechanical_anomalies", "electrical_anomalies"]):
        for day in ("a", "b"):
            write_series(root, folder, day, "s", 10, i)
    nan_csv = "f3;f4;f5\n" + "1;2;3\n" * 8 + ";;\n;;\n"
    write_zip(root / "not_anomalous" / "a" / "z.zip", {"z.csv": nan_csv})
    config = data_config.to_dict()
    config["split"]["strategy"] = "random"  # 7 series: too few to stratify 3 classes
    train, test, meta, report = prepare(root, config)  # 6 / 210 points < 20 %
    assert report.verdict == "PASS" and meta["nan_replaced"] is True
    assert np.isfinite(train.X).all() and np.isfinite(test.X).all()
    strict = dict(config)
    strict["quality_gate"]["max_nan_fraction"] = 0.01
    train, test, meta, report = prepare(root, strict)
    assert report.verdict == "FAIL" and "NaN/inf" in report.failures[0]
    assert meta["nan_replaced"] is False
    assert np.isnan(np.concatenate([train.X, test.X])).sum() == 6


def test_constant_series_and_unknown_folder_are_reported(good_tree, data_config):
    write_zip(
        good_tree / "not_anomalous" / "2024-03-01" / "flat.zip",
        {"f.csv": "f3;f4;f5\n1;2;3\n1;2;3\n"},
    )
    write_series(good_tree, "other", "d", "x", 5, 0)
    series, labels, days, paths, report = load_raw(good_tree, data_config)
    assert len(series) == len(labels) == len(days) == len(paths) == 13
    assert report.constant_series == ["not_anomalous/2024-03-01/flat.zip"]
    assert any(r.startswith("skipped other/: unknown class folder") for r in report.reasons)
    assert report.verdict == "PASS"


def test_unsplittable_data_fails_with_reason_and_still_yields_datasets(tmp_path, data_config):
    write_series(tmp_path / "d", "not_anomalous", "a", "s", 5, 0)
    train, test, _meta, report = prepare(tmp_path / "d", data_config)
    assert report.verdict == "FAIL"
    assert "split: cannot split 1 series into train and test sets" in report.failures
    assert len(train) == 1 and len(test) == 0 and test.X.shape == (0, 5, 3)


def test_by_day_split_in_prepare(good_tree, data_config):
    config = data_config.to_dict()
    config["split"] = {"strategy": "by_day", "test_size": 0.5, "seed": 0, "test_days": []}
    _train, test, meta, _ = prepare(good_tree, config)
    assert set(meta["split"]["train_days"]).isdisjoint(meta["split"]["test_days"])
    assert len(test) == 6


def test_a_class_missing_from_one_side_is_a_warning(tmp_path, data_config):
    root = tmp_path / "d"
    for i in range(3):
        write_series(root, "not_anomalous", "a", f"s{i}", 5, i)
        write_series(root, "mechanical_anomalies", "a", f"s{i}", 5, i)
        write_series(root, "electrical_anomalies", "b", f"s{i}", 5, i)
    config = data_config.to_dict()
    config["split"] = {"strategy": "by_day", "test_days": ["b"]}
    _, test, meta, report = prepare(root, config)
    assert test.labels.tolist() == ["electrical anomaly"] * 3
    assert "the test set has no series of mechanical anomaly, not anomalous" in report.warnings
    assert "the train set has no series of electrical anomaly" in report.warnings
    assert meta["data_config"]["split"]["test_days"] == ["b"]
