"""Padding, encoding and split equal the original functions' results on fixed input."""

from __future__ import annotations

import numpy as np
import pytest
from ideko.runtime.data.config import SplitConfig
from ideko.runtime.data.errors import DataError
from ideko.runtime.data.preprocess import (
    encode_labels,
    fit_scaler,
    one_hot,
    pad_series,
    split_indices,
)
from ideko.runtime.data.series_transform import apply_scaler, replace_non_finite
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder

CLASSES = ["not anomalous", "mechanical anomaly", "electrical anomaly"]


def _series(n: int = 25, seed: int = 7) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(int(rng.integers(1, 30)), 3)) for _ in range(n)]


def _labels(n: int = 25) -> list[str]:
    return [CLASSES[(i * 7) % 3] for i in range(n)]


@pytest.mark.parametrize("side", ["post", "pre"])
def test_padding_and_one_hot_equal_keras(side):
    from keras.preprocessing.sequence import pad_sequences
    from keras.utils import to_categorical

    series = _series()
    expected = pad_sequences(series, padding=side, value=0, dtype="float32")
    ours = pad_series(series, side=side)
    assert ours.dtype == np.float32
    np.testing.assert_array_equal(ours, expected)
    np.testing.assert_array_equal(
        pad_series(series, value=-1.5, side=side),
        pad_sequences(series, padding=side, value=-1.5, dtype="float32"),
    )
    indices = np.array([0, 2, 1, 1, 0])
    np.testing.assert_array_equal(one_hot(indices, 3), to_categorical(indices, 3))


def test_label_encoding_equals_label_encoder():
    labels = _labels()
    classes, y = encode_labels(labels, CLASSES)
    encoder = LabelEncoder()
    np.testing.assert_array_equal(y, encoder.fit_transform(labels))
    assert list(classes) == encoder.classes_.tolist()


def test_missing_class_keeps_one_hot_width():
    classes, y = encode_labels(["not anomalous", "electrical anomaly"], CLASSES)
    assert classes == ("electrical anomaly", "mechanical anomaly", "not anomalous")
    assert y.tolist() == [2, 0]


def test_random_split_equals_train_test_split_on_x_and_y():
    series, labels = _series(), _labels()
    X = pad_series(series)
    _, y_int = encode_labels(labels, CLASSES)
    y = one_hot(y_int, 3)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=2)
    train, test = split_indices(len(X), y_int, ["d"] * len(X), SplitConfig())
    np.testing.assert_array_equal(X[train], X_train)
    np.testing.assert_array_equal(X[test], X_test)
    np.testing.assert_array_equal(y[train], y_train)
    np.testing.assert_array_equal(y[test], y_test)


def test_stratified_split_equals_train_test_split_with_stratify():
    labels = _labels(30)
    _, y_int = encode_labels(labels, CLASSES)
    rows = np.arange(30)
    _, expected_test = train_test_split(rows, test_size=0.2, random_state=5, stratify=y_int)
    _, test = split_indices(30, y_int, ["d"] * 30, SplitConfig("stratified", 0.2, (), 5))
    np.testing.assert_array_equal(test, expected_test)
    assert np.bincount(y_int[test]).tolist() == [2, 2, 2]


def test_by_day_fraction_never_shares_a_day():
    days = [f"day{i % 5}" for i in range(40)]
    y = np.zeros(40, dtype=np.int64)
    train, test = split_indices(40, y, days, SplitConfig("by_day", 0.2, (), 3))
    train_days = {days[i] for i in train}
    test_days = {days[i] for i in test}
    assert train_days.isdisjoint(test_days)
    assert len(test_days) == 1 and len(train) + len(test) == 40
    again = split_indices(40, y, days, SplitConfig("by_day", 0.2, (), 3))
    np.testing.assert_array_equal(again[1], test)


def test_by_day_named_days():
    days = ["a", "b", "test", "a", "test"]
    train, test = split_indices(5, np.zeros(5), days, SplitConfig("by_day", 0.2, ("test",), 2))
    assert test.tolist() == [2, 4] and train.tolist() == [0, 1, 3]
    with pytest.raises(DataError, match=r"test day\(s\) \['nope'\] not found"):
        split_indices(5, np.zeros(5), days, SplitConfig("by_day", 0.2, ("nope",), 2))


def test_impossible_splits_are_clear_errors():
    with pytest.raises(DataError, match="at least 2 day folders"):
        split_indices(4, np.zeros(4), ["d"] * 4, SplitConfig("by_day", 0.2, (), 2))
    with pytest.raises(DataError, match="stratified split failed"):
        split_indices(4, np.array([0, 0, 0, 1]), ["d"] * 4, SplitConfig("stratified", 0.5, (), 2))
    with pytest.raises(DataError, match="cannot split 1 series"):
        split_indices(1, np.zeros(1), ["d"], SplitConfig())


def test_standard_scaling_uses_train_statistics_and_ignores_nan():
    train = [np.array([[1.0, 10.0], [3.0, np.nan]]), np.array([[5.0, 10.0]])]
    params = fit_scaler(train, "standard")
    assert params["center"] == pytest.approx([3.0, 10.0])
    assert params["scale"][1] == 1.0  # constant indicator: no division by zero
    scaled = apply_scaler([np.array([[3.0, 12.0]])], params)
    np.testing.assert_allclose(scaled[0], [[0.0, 2.0]])
    minmax = fit_scaler(train, "minmax")
    np.testing.assert_allclose(apply_scaler(train, minmax)[0][:, 0], [0.0, 0.5])
    assert fit_scaler(train, "none") == {"method": "none"}


def test_non_finite_values_become_the_padding_value():
    data = [np.array([[1.0, np.nan], [np.inf, 2.0]]), np.ones((1, 2))]
    out = replace_non_finite(data, -1.0)
    np.testing.assert_array_equal(out[0], [[1.0, -1.0], [-1.0, 2.0]])
    assert out[1] is data[1] and np.isnan(data[0][0, 1])  # input untouched
