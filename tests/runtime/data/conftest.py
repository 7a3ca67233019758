"""Fixtures of the data tests: a parsed data config (``good_tree`` is in ../conftest.py)."""

from __future__ import annotations

import pytest
from ideko.runtime.data.config import parse_data_config


@pytest.fixture
def data_config():
    return parse_data_config(
        {
            "indicators": ["f3", "f4", "f5"],
            "split": {"strategy": "stratified", "test_size": 0.25, "seed": 2},
            "quality_gate": {
                "min_series": 4,
                "min_per_class": 1,
                "max_nan_fraction": 0.2,
                "min_validation_series": 1,
            },
        }
    )
