"""Smoke test of bench/quality_bench.py: one UCR set, one model, one epoch, through `ideko run`.

The full benchmark (three sets, seven models, tuned and untuned) is not a test; this checks
the path it takes: sktime's .ts files -> the converter -> a by_day spec -> `ideko run` ->
the evaluations read back and printed beside the published figures.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "quality_bench.py"


def _bench():
    spec = importlib.util.spec_from_file_location("quality_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_one_set_one_model_through_ideko_run(tmp_path: Path, capsys) -> None:
    bench = _bench()
    out = tmp_path / "results.json"
    assert bench.main(["--sets", "ItalyPowerDemand", "--models", "NeuralNetwork", "--epochs",
                       "1", "--untuned-only", "ItalyPowerDemand", "--workdir",
                       str(tmp_path / "work"), "--json", str(out)]) == 0
    results = json.loads(out.read_text())["ItalyPowerDemand"]
    assert results["counts"] == {"train": 67, "test": 1029}
    row = results["untuned"]["results"]["NeuralNetwork"]
    assert 0.0 <= row["accuracy"] <= 1.0 and 0.0 <= row["macro_f1"] <= 1.0
    assert row["epochs_run"] == 1
    printed = capsys.readouterr().out
    assert "ItalyPowerDemand NeuralNetwork" in printed and "95.4 / 96.1 / 96.3" in printed


def test_held_out_sets_are_refused() -> None:
    with pytest.raises(SystemExit):
        _bench().main(["--sets", "Coffee"])
