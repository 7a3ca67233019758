"""Shared fixture of the versioned-source tests: two tiny synthetic data sets, the "before"
and the "after" of a data change (helpers are in ``versioned_helpers``)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def datasets(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(first, changed): 24 series over two days, then a bad change of it: 6 series (below
    the spec's ``min_series``), every remaining file different."""
    from ideko.runtime.data.synth import SynthOptions, generate

    root = tmp_path_factory.mktemp("versioned-data")
    first, changed = root / "first", root / "changed"
    for folder, seed, series in ((first, 1, 24), (changed, 2, 6)):
        generate(
            folder, SynthOptions(series=series, days=2, min_length=30, max_length=40, seed=seed)
        )
    return first, changed
