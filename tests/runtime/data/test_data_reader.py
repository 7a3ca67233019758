"""Reader on a synthetic tree with every kind of broken input the issue lists."""

from __future__ import annotations

import numpy as np
import pytest
from datatree_helpers import csv_text, write_series, write_zip
from ideko.runtime.data.config import parse_data_config
from ideko.runtime.data.errors import DataError
from ideko.runtime.data.reader import read_tree


def _reasons(raw) -> dict[str, str]:
    return {p.path: p.reason for p in raw.broken}


def test_reads_in_sorted_order_with_labels_and_days(good_tree, data_config):
    raw = read_tree(good_tree, data_config)
    assert len(raw.series) == 12
    assert raw.broken == [] and raw.skipped == [] and raw.missing_classes == []
    assert raw.paths == sorted(raw.paths)
    assert raw.paths[0] == "electrical_anomalies/2024-03-01/s0.zip"
    assert raw.labels[0] == "electrical anomaly"
    assert raw.days[0] == "2024-03-01"
    assert all(s.dtype == np.float32 and s.shape[1] == 3 for s in raw.series)
    assert raw.num_files == 12


def test_keeps_the_configured_columns_in_order(tmp_path, data_config):
    root = tmp_path / "d"
    text = "f5;f3;f4;f1\n1;2;3;4\n5;6;7;8\n"
    write_zip(root / "not_anomalous" / "day" / "a.zip", {"a.csv": text})
    raw = read_tree(root, data_config)
    np.testing.assert_array_equal(raw.series[0], [[2, 3, 1], [6, 7, 5]])


def test_plain_csv_files_are_accepted(tmp_path, data_config):
    root = tmp_path / "d"
    (root / "not_anomalous" / "day").mkdir(parents=True)
    (root / "not_anomalous" / "day" / "a.csv").write_text("f3;f4;f5\n1;2;3\n")
    raw = read_tree(root, data_config)
    assert raw.paths == ["not_anomalous/day/a.csv"]


def test_every_broken_file_is_reported_with_a_reason(good_tree, data_config):
    day = good_tree / "mechanical_anomalies" / "2024-03-01"
    (day / "corrupt.zip").write_bytes(b"PK\x03\x04 this is not a zip")
    write_zip(day / "two.zip", {"a.csv": "f3;f4;f5\n1;2;3\n", "b.csv": "f3;f4;f5\n1;2;3\n"})
    write_zip(day / "slip.zip", {"../x.csv": "f3;f4;f5\n1;2;3\n"})
    write_zip(day / "empty.zip", {"e.csv": ""})
    write_zip(day / "header_only.zip", {"h.csv": "f3;f4;f5\n"})
    write_zip(day / "missing.zip", {"m.csv": "f3;f5\n1;2\n"})
    write_zip(day / "text.zip", {"t.csv": "f3;f4;f5\n1;2;3\n1;abc;3\n"})
    write_zip(day / "ragged.zip", {"r.csv": "f3;f4;f5\n1;2;3\n1;2\n"})
    write_zip(day / "nozip.zip", {})
    raw = read_tree(good_tree, data_config)
    reasons = _reasons(raw)
    prefix = "mechanical_anomalies/2024-03-01/"
    assert reasons[prefix + "corrupt.zip"].startswith("corrupt zip")
    assert "holds 2 files" in reasons[prefix + "two.zip"]
    assert "holds 0 files" in reasons[prefix + "nozip.zip"]
    assert "unsafe member name '../x.csv'" in reasons[prefix + "slip.zip"]
    assert "empty CSV" in reasons[prefix + "empty.zip"]
    assert "empty CSV" in reasons[prefix + "header_only.zip"]
    assert reasons[prefix + "missing.zip"] == "missing indicator column(s) f4"
    assert reasons[prefix + "text.zip"] == "non-numeric value 'abc' in column f4 at line 3"
    assert "line 3 has 2 fields" in reasons[prefix + "ragged.zip"]
    assert len(raw.series) == 12  # the good ones are still read
    assert raw.num_files == 21  # broken files count in the fingerprint


def test_nan_runs_are_kept(tmp_path, data_config):
    root = tmp_path / "d"
    text = "f3;f4;f5\n1;2;3\n;;\nNaN;nan;NA\n4;5;6\n"
    write_zip(root / "not_anomalous" / "day" / "a.zip", {"a.csv": text})
    raw = read_tree(root, data_config)
    assert raw.broken == []
    assert np.isnan(raw.series[0][1:3]).all() and np.isfinite(raw.series[0][[0, 3]]).all()


def test_unknown_class_folder_is_skipped_not_read(good_tree, data_config):
    write_series(good_tree, "hydraulic_anomalies", "2024-03-01", "x", 5, 1)
    (good_tree / "README.txt").write_text("hi")
    (good_tree / "not_anomalous" / "2024-03-01" / "notes.txt").write_text("hi")
    raw = read_tree(good_tree, data_config)
    skipped = {p.path: p.reason for p in raw.skipped}
    assert "unknown class folder" in skipped["hydraulic_anomalies/"]
    assert "top level" in skipped["README.txt"]
    assert skipped["not_anomalous/2024-03-01/notes.txt"] == "not a .zip or .csv file"
    assert len(raw.series) == 12


def test_missing_class_folder_is_recorded(tmp_path, data_config):
    write_series(tmp_path / "d", "not_anomalous", "day", "a", 5, 1)
    raw = read_tree(tmp_path / "d", data_config)
    assert raw.missing_classes == ["mechanical_anomalies", "electrical_anomalies"]


def test_required_indicator_outside_the_kept_ones_is_checked(tmp_path):
    config = parse_data_config(
        {"indicators": ["f3"], "quality_gate": {"required_indicators": ["f3", "f9"]}}
    )
    write_series(tmp_path / "d", "not_anomalous", "day", "a", 5, 1)
    raw = read_tree(tmp_path / "d", config)
    assert raw.broken[0].reason == "missing indicator column(s) f9"


def test_fingerprint_changes_with_content_and_is_stable(good_tree, data_config):
    first = read_tree(good_tree, data_config).fingerprint
    assert first == read_tree(good_tree, data_config).fingerprint
    path = good_tree / "not_anomalous" / "2024-03-01" / "s0.zip"
    write_zip(path, {"s0.csv": csv_text(np.ones((3, 5)), ["f1", "f2", "f3", "f4", "f5"])})
    assert read_tree(good_tree, data_config).fingerprint != first


def test_missing_root_is_a_clear_error(tmp_path, data_config):
    with pytest.raises(DataError, match="does not exist"):
        read_tree(tmp_path / "nope", data_config)


def test_blank_lines_are_skipped_and_line_numbers_stay_true(tmp_path, data_config):
    root = tmp_path / "d"
    day = root / "not_anomalous" / "day"
    write_zip(day / "ok.zip", {"a.csv": "f3;f4;f5\r\n1;2;3\r\n\r\n4;5;6\r\n"})
    write_zip(day / "bad.zip", {"b.csv": "f3;f4;f5\n1;2;3\n\n\n4;x;6\n"})
    write_zip(day / "quoted.zip", {"q.csv": '"f3";"f4";"f5"\n"1.5";2;3\n'})
    write_zip(day / "comma.zip", {"c.csv": "f3;f4;f5\n1,5;2;3\n"})
    raw = read_tree(root, data_config)
    np.testing.assert_array_equal(
        raw.series[raw.paths.index("not_anomalous/day/ok.zip")][:, 0], [1, 4]
    )
    np.testing.assert_array_equal(
        raw.series[raw.paths.index("not_anomalous/day/quoted.zip")], [[1.5, 2, 3]]
    )
    reasons = _reasons(raw)
    assert reasons["not_anomalous/day/bad.zip"] == "non-numeric value 'x' in column f4 at line 5"
    assert reasons["not_anomalous/day/comma.zip"].endswith("at line 2 (decimal comma?)")


def test_unreadable_file_is_reported_not_fatal(tmp_path, data_config):
    write_series(tmp_path / "d", "not_anomalous", "day", "a", 5, 1)
    (tmp_path / "d" / "not_anomalous" / "day" / "gone.zip").symlink_to(tmp_path / "missing.zip")
    raw = read_tree(tmp_path / "d", data_config)
    assert _reasons(raw)["not_anomalous/day/gone.zip"].startswith("cannot read the file")
    assert len(raw.series) == 1


def test_finder_zips_with_folder_and_macosx_entries_are_read(tmp_path, data_config):
    path = write_zip(
        tmp_path / "d" / "not_anomalous" / "day" / "mac.zip",
        {"s/": "", "s/a.csv": "f3;f4;f5\n1;2;3\n", "__MACOSX/s/._a.csv": "junk"},
    )
    raw = read_tree(tmp_path / "d", data_config)
    assert raw.broken == [] and raw.paths == ["not_anomalous/day/mac.zip"] and path.exists()
