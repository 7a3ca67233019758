"""Dataset files round-trip exactly and are written to the exact (extension-less) path."""

from __future__ import annotations

import numpy as np
import pytest
from ideko.runtime.data.dataset_io import (
    Dataset,
    load_dataset,
    load_metadata,
    save_dataset,
    save_metadata,
)
from ideko.runtime.data.errors import DataError


def _dataset() -> Dataset:
    rng = np.random.default_rng(0)
    return Dataset(
        X=rng.normal(size=(3, 4, 2)).astype(np.float32),
        y=np.eye(2, dtype=np.float32)[[0, 1, 1]],
        labels=np.array(["a", "b", "b"]),
        days=np.array(["d1", "d1", "d2"]),
        paths=np.array(["x/d1/1.zip", "y/d1/2.zip", "y/d2/3.zip"]),
        classes=("a", "b"),
    )


def test_round_trip_to_a_path_without_extension(tmp_path):
    path = tmp_path / "train_data"
    save_dataset(path, _dataset())
    assert path.is_file() and not (tmp_path / "train_data.npz").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["train_data"]  # no temp file left
    loaded = load_dataset(path)
    np.testing.assert_array_equal(loaded.X, _dataset().X)
    assert loaded.classes == ("a", "b")
    assert loaded.labels.tolist() == ["a", "b", "b"]
    assert loaded.class_distribution() == {"a": 1, "b": 2}
    assert loaded.y_int.tolist() == [0, 1, 1]


def test_inconsistent_arrays_are_rejected():
    with pytest.raises(DataError, match="y has shape"):
        Dataset(
            X=np.zeros((2, 3, 1)),
            y=np.zeros((3, 2)),
            labels=np.array(["a", "b"]),
            days=np.array(["d", "d"]),
            paths=np.array(["p", "q"]),
            classes=("a", "b"),
        )


def test_loading_a_non_dataset_is_a_clear_error(tmp_path):
    (tmp_path / "junk").write_bytes(b"junk")
    with pytest.raises(DataError, match="not a readable"):
        load_dataset(tmp_path / "junk")
    with pytest.raises(DataError, match="does not exist"):
        load_dataset(tmp_path / "missing")


METADATA = {
    "format": "ideko-dataset/v1",
    "data_config": {"indicators": ["f3"]},
    "source": {"uri": "data", "fingerprint": "abc", "num_files": 2},
    "indicators": ["f3"],
    "classes": ["a", "b"],
    "padding": {"value": 0.0, "side": "post", "length": 4},
    "shapes": {"train": [1, 4, 1], "test": [1, 4, 1]},
}


def test_metadata_round_trip(tmp_path):
    save_metadata(tmp_path / "meta", {**METADATA, "b": 1, "a": [1, 2]})
    assert load_metadata(tmp_path / "meta") == {**METADATA, "a": [1, 2], "b": 1}
    assert (tmp_path / "meta").read_text().startswith('{\n  "a"')


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"format": "ideko-dataset/v3"}, "format: version 3 is newer than this runtime"),
        ({"format": "ideko-dataset/v2"}, "'split' is a required property"),
        ({"format": "npz"}, "format: 'npz' is not a version"),
        ({"shapes": {"train": [1]}}, "shapes: 'test' is a required property"),
    ],
)
def test_metadata_contract_errors_name_the_field(tmp_path, change, message):
    save_metadata(tmp_path / "meta", {**METADATA, **change})
    with pytest.raises(DataError, match=message):
        load_metadata(tmp_path / "meta")


def test_written_files_get_umask_permissions_not_0600(tmp_path):
    import os
    import stat

    old = os.umask(0o022)
    try:
        save_dataset(tmp_path / "d", _dataset())
        save_metadata(tmp_path / "m", {})
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "d").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "m").stat().st_mode) == 0o644
