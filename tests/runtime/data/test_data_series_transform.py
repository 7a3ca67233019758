"""Per-series options (length policy, z-normalisation) and the metadata serving reads."""

from __future__ import annotations

import numpy as np
import pytest
from ideko.runtime.data.config import parse_data_config
from ideko.runtime.data.errors import DataError
from ideko.runtime.data.prepare import prepare
from ideko.runtime.data.preprocess import pad_series
from ideko.runtime.data.reader import read_tree
from ideko.runtime.data.series_transform import apply_preprocessing, limit_length, znormalise


def test_truncate_keeps_the_first_points_and_short_series_stay():
    series = np.arange(20, dtype=np.float32).reshape(10, 2)
    assert np.array_equal(limit_length(series, "truncate", 4), series[:4])
    assert limit_length(series, "resample", 10) is series
    assert limit_length(series, "none", 3) is series


def test_resample_interpolates_onto_evenly_spaced_points():
    ramp = np.stack([np.linspace(0, 9, 10), np.full(10, np.nan)], axis=1).astype(np.float32)
    out = limit_length(ramp, "resample", 4)
    np.testing.assert_allclose(out[:, 0], [0.0, 3.0, 6.0, 9.0])
    assert np.isnan(out[:, 1]).all()  # nothing finite to interpolate: the NaN policy decides


def test_znormalise_is_per_series_and_per_indicator():
    series = np.array([[1.0, 5.0], [2.0, 5.0], [3.0, 5.0], [np.nan, 5.0]], dtype=np.float32)
    out = znormalise(series)
    finite = out[:3, 0]
    assert abs(finite.mean()) < 1e-6 and abs(finite.std() - 1.0) < 1e-6
    assert np.isnan(out[3, 0]) and (out[:, 1] == 0.0).all()  # a constant indicator becomes 0


OPTIONS = {
    "indicators": ["f3", "f4", "f5"],
    "scaling": "standard",
    "series_normalisation": "zscore",
    "length": {"policy": "resample", "max_length": 25},
    "split": {"strategy": "stratified", "seed": 2},
}


def test_serving_reproduces_the_training_rows_from_raw_series(raw_data):
    train, _, meta, report = prepare(raw_data, OPTIONS)
    prep = meta["preprocessing"]
    assert prep["length"] == {"policy": "resample", "max_length": 25}
    assert prep["series_normalisation"] == "zscore" and prep["scaling"]["method"] == "standard"
    assert train.X.shape[1] == meta["padding"]["length"] == 25
    assert any("resampled to 25 (data.length)" in w for w in report.warnings)
    raw = read_tree(raw_data, parse_data_config(OPTIONS))
    by_path = dict(zip(raw.paths, raw.series, strict=True))
    served = apply_preprocessing([by_path[p] for p in train.paths.tolist()], prep)
    padded = pad_series(served, value=meta["padding"]["value"], maxlen=train.X.shape[1])
    np.testing.assert_allclose(padded, train.X, rtol=1e-6, atol=1e-6)


def test_defaults_record_the_original_identity(raw_data):
    config = {"indicators": ["f3", "f4", "f5"]}
    train, _, meta, _ = prepare(raw_data, config)
    assert meta["preprocessing"] == {
        "order": ["length", "series_normalisation", "scaling", "non_finite"],
        "length": {"policy": "none", "max_length": None},
        "series_normalisation": "none",
        "scaling": {"method": "none"},
        "non_finite": {"replaced_by": 0.0},
    }
    raw = read_tree(raw_data, parse_data_config(config))
    first = raw.paths.index(train.paths[0])
    assert apply_preprocessing([raw.series[first]], meta["preprocessing"])[0].tolist() == (
        raw.series[first].tolist()
    )


@pytest.mark.parametrize(
    ("length", "message"),
    [
        ({"policy": "truncate"}, "length.max_length: the truncate policy needs a max_length"),
        ({"policy": "cut", "max_length": 9}, "length.policy: 'cut' is not one of"),
        ({"max_length": 1}, "length.max_length: 1 must be an integer >= 2"),
    ],
)
def test_length_policy_config_errors(length, message):
    with pytest.raises(DataError, match=message):
        parse_data_config({"indicators": ["f3"], "length": length})
