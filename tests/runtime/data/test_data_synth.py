"""Synthetic generator: IDEKO's layout, byte-identical per seed, difficulty that matters."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest
from ideko.runtime.data.errors import DataError
from ideko.runtime.data.prepare import prepare
from ideko.runtime.data.synth import SynthOptions, generate
from sklearn.ensemble import RandomForestClassifier

SMALL = SynthOptions(series=30, days=2, min_length=40, max_length=80)


def _tree_bytes(root) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.zip"))}


def test_layout_and_csv_format(tmp_path):
    assert generate(tmp_path / "d", SynthOptions(series=31, days=2, test_day=True)) == 31
    files = sorted((tmp_path / "d").rglob("*.zip"))
    folders = {p.parent.parent.name for p in files}
    assert folders == {"not_anomalous", "mechanical_anomalies", "electrical_anomalies"}
    assert {p.parent.name for p in files} == {"2024-03-01", "2024-03-02", "test"}
    assert len(files) == 31
    with zipfile.ZipFile(files[0]) as archive:
        (member,) = archive.namelist()
        lines = archive.read(member).decode().splitlines()
    assert member.endswith(".csv") and lines[0] == "f1;f2;f3;f4;f5"
    assert 200 <= len(lines) - 1 <= 600
    assert len(lines[1].split(";")) == 5


def test_same_seed_same_bytes_other_seed_differs(tmp_path):
    generate(tmp_path / "a", SMALL)
    generate(tmp_path / "b", SMALL)
    generate(tmp_path / "c", SynthOptions(**{**SMALL.__dict__, "seed": 1}))
    assert _tree_bytes(tmp_path / "a") == _tree_bytes(tmp_path / "b")
    assert _tree_bytes(tmp_path / "a") != _tree_bytes(tmp_path / "c")


def test_output_reads_cleanly_with_the_example_config(tmp_path):
    generate(tmp_path / "d", SMALL)
    config = {
        "indicators": ["f3", "f4", "f5"],
        # 30 series: 24 train rows, 5 of them validation (below the default floor of 10)
        "quality_gate": {"min_series": 30, "min_per_class": 10, "min_validation_series": 5},
    }
    train, test, meta, report = prepare(tmp_path / "d", config)
    assert report.verdict == "PASS" and report.reasons == []
    assert report.counts == {
        "not anomalous": 10,
        "mechanical anomaly": 10,
        "electrical anomaly": 10,
    }
    assert 40 <= report.length["min"] and report.length["max"] <= 80
    assert meta["shapes"]["train"][2] == 3 and len(train) + len(test) == 30


def test_refuses_to_overwrite_without_force(tmp_path):
    generate(tmp_path / "d", SMALL)
    with pytest.raises(DataError, match="not empty; pass --force"):
        generate(tmp_path / "d", SMALL)
    before = _tree_bytes(tmp_path / "d")
    generate(tmp_path / "d", SynthOptions(**{**SMALL.__dict__, "series": 3}), force=True)
    assert len(_tree_bytes(tmp_path / "d")) == 3 and before
    assert [p.name for p in tmp_path.iterdir()] == ["d"]  # no staging folders left


def test_invalid_options_are_clear_errors(tmp_path):
    with pytest.raises(DataError, match="--difficulty must be between 0 and 1"):
        generate(tmp_path / "d", SynthOptions(difficulty=2))
    with pytest.raises(DataError, match="--min-length"):
        generate(tmp_path / "d", SynthOptions(min_length=100, max_length=50))
    assert not (tmp_path / "d").exists()


def _feature_accuracy(root) -> float:
    train, test, _, _ = prepare(root, {"indicators": ["f3", "f4", "f5"]})

    def features(ds):
        diffs = np.diff(ds.X, axis=1)
        return np.concatenate([ds.X.std(1), np.abs(diffs).max(1), diffs.std(1)], axis=1)

    model = RandomForestClassifier(100, random_state=0).fit(features(train), train.y_int)
    return float(model.score(features(test), test.y_int))


def test_difficulty_controls_class_overlap(tmp_path):
    options = {**SMALL.__dict__, "series": 150, "min_length": 100, "max_length": 100}
    generate(tmp_path / "easy", SynthOptions(**{**options, "difficulty": 0.0}))
    generate(tmp_path / "hard", SynthOptions(**{**options, "difficulty": 1.0}))
    easy, hard = _feature_accuracy(tmp_path / "easy"), _feature_accuracy(tmp_path / "hard")
    assert easy >= 0.85
    assert hard <= easy - 0.15


def test_output_folder_is_not_private(tmp_path):
    import os
    import stat

    old = os.umask(0o022)
    try:
        generate(tmp_path / "d", SMALL)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "d").stat().st_mode) == 0o755
