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


def test_epochs_and_training_settings_per_set_and_model() -> None:
    """``--epochs-for SET:MODEL`` beats ``--set-epochs SET`` beats ``--epochs``; a
    ``--training SET:NAME=VALUE`` setting reaches only that set's models, on top of the
    settings for every set; tuned models are listed per set."""
    import argparse

    bench = _bench()
    parser = argparse.ArgumentParser()
    args = argparse.Namespace(
        epochs=100, set_epochs={"OSULeaf": 30}, epochs_for={"OSULeaf:FCN": 200},
        batch_size=16, patience=1000, trials=2, parallel=1,
        training=bench._settings(["refit=true", "OSULeaf:refit=false",
                                  "checkpoint=val_loss"], parser),
    )
    assert [bench.epochs_of(args, s, m) for s, m in
            [("OSULeaf", "FCN"), ("OSULeaf", "CNN"), ("ArrowHead", "FCN")]] == [200, 30, 100]
    osu = bench.model_section(["FCN", "CNN"], args, "OSULeaf", tuned=["CNN"])
    arrow = bench.model_section(["FCN"], args, "ArrowHead", tuned=[], factor=0.5)
    assert osu["FCN"]["training_parameters"] == {
        "epochs": 200, "batch_size": 16, "patience": 1000, "refit": False,
        "checkpoint": "val_loss"}
    assert "hpo" in osu["CNN"] and "hpo" not in osu["FCN"]
    assert arrow["FCN"]["training_parameters"]["epochs"] == 50
    assert arrow["FCN"]["training_parameters"]["refit"] is True
    with pytest.raises(SystemExit):
        bench._settings(["refit"], parser)
