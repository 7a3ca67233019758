"""Fixtures: a data config and a tiny IDEKO-layout tree built in tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest
from datatree_helpers import write_series
from ideko.runtime.data.config import parse_data_config


@pytest.fixture
def data_config():
    return parse_data_config(
        {
            "indicators": ["f3", "f4", "f5"],
            "split": {"strategy": "stratified", "test_size": 0.25, "seed": 2},
            "quality_gate": {"min_series": 4, "min_per_class": 1, "max_nan_fraction": 0.2},
        }
    )


@pytest.fixture
def good_tree(tmp_path) -> Path:
    """3 classes x 2 days x 2 series, lengths 5..16."""
    root = tmp_path / "data"
    seed = 0
    for folder in ("not_anomalous", "mechanical_anomalies", "electrical_anomalies"):
        for day in ("2024-03-01", "2024-03-02"):
            for i in range(2):
                seed += 1
                write_series(root, folder, day, f"s{i}", 4 + seed % 13, seed)
    return root
