"""The register step end to end on real (tiny) models: a tracked training, a champion, then
changed data: the champion is re-scored by its own .keras file on the new test split and the
new model is crowned only if it beats that score by the margin."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ideko.runtime.data.dataset_io import save_dataset, save_metadata
from ideko.runtime.data.prepare import prepare
from ideko.runtime.data.synth import SynthOptions, generate
from ideko.runtime.registry import open_registry
from ideko.runtime.registry import tags as keys
from ideko.runtime.steps import compare, evaluate, register, train
from ideko.schema import env

SELECTION = {"criteria": [{"metric": "accuracy", "weight": 1.0, "goal": "maximize"}]}
TINY = {"series": 24, "min_length": 20, "max_length": 40, "days": 2}


def _split(raw: Path, folder: Path, data_config: dict) -> dict[str, Path]:
    train_set, test_set, metadata, _ = prepare(raw, data_config, 2)
    folder.mkdir()
    save_dataset(folder / "train.npz", train_set)
    save_dataset(folder / "test.npz", test_set)
    save_metadata(folder / "metadata.json", metadata)
    return {"train": folder / "train.npz", "test": folder / "test.npz",
            "metadata": folder / "metadata.json"}  # fmt: skip


def _best(split: dict[str, Path], config: dict, root: Path) -> Path:
    """Train, evaluate and compare one model: the directory register receives."""
    train.run(config, split["train"], 2, root / "model", emit_metrics=False)
    evaluate.run(config, root / "model", split["train"], split["test"], root / "eval.json")
    compare.run(SELECTION, {}, {"m": root / "eval.json"}, {"m": root / "model"},
                root / "report.html", root / "best")  # fmt: skip
    return root / "best"


@pytest.mark.slow
def test_tracked_champion_then_changed_data(
    raw_data, tmp_path, embedded, make_config, data_config, monkeypatch
):
    config = make_config("dense", epochs=2)
    first = _split(raw_data, tmp_path / "first", data_config)
    monkeypatch.setenv(env.TRACKING_URI, embedded)
    monkeypatch.setenv(env.TRACKING_EXPERIMENT, "ideko-test")
    best = _best(first, config, tmp_path / "a")
    monkeypatch.delenv(env.TRACKING_URI)
    rule = {"promotion": {"metric": "accuracy", "threshold": 0.0, "margin": 0.0}}
    one = register.run("ideko", embedded, best, rule, first["test"], first["metadata"], 0.5)
    assert (one["version"], one["alias"]) == ("1", "champion")

    registry = open_registry(embedded)
    v1 = registry.resolve("ideko", "champion")
    files = registry.verified_files(v1)
    assert {"evaluation.json", "dataset_metadata.json", "model_dense.keras"} <= {
        p.name for p in files.iterdir()
    }
    assert v1.tags[keys.DATA_FINGERPRINT].startswith("sha256:")
    assert json.loads(v1.tags[keys.MODEL_CONFIG])["architecture"] == "dense"
    assert float(v1.tags[keys.SELECTION_SCORE]) == 0.5
    assert json.loads(v1.tags[keys.TEST_METRICS])["accuracy"] >= 0.0

    # the training was tracked: params, one metric point per epoch, the model files
    client = registry.client
    experiment = client.get_experiment_by_name("ideko-test")
    (run,) = client.search_runs([experiment.experiment_id])
    assert run.data.params["training_parameters.epochs"] == "2"
    assert run.data.tags["ideko.kind"] == "train"
    assert [m.step for m in client.get_metric_history(run.info.run_id, "val_accuracy")] == [1, 2]
    assert "model/model_dense.keras" in [
        a.path for a in client.list_artifacts(run.info.run_id, "model")
    ]

    # changed data: the champion is re-scored on the new test split, by its own files
    generate(tmp_path / "raw2", SynthOptions(**TINY, seed=11))
    second = _split(tmp_path / "raw2", tmp_path / "second", data_config)
    new_best = _best(second, config, tmp_path / "b")
    two = register.run("ideko", embedded, new_best, rule, second["test"], second["metadata"])
    decision = two["decision"]
    assert decision.champion_evaluation == "re_evaluated" and decision.champion_version == "1"
    rescored = evaluate.run(config, files, second["train"], second["test"])["summary"]
    assert decision.champion_value == pytest.approx(rescored["accuracy"])
    wins = decision.value > decision.champion_value
    assert two["alias"] == ("champion" if wins else "challenger"), decision.reason

    # a margin no model can reach: it stays challenger and says why
    strict = {"promotion": {**rule["promotion"], "margin": 1.0}}
    three = register.run("ideko", embedded, new_best, strict, second["test"], second["metadata"])
    assert three["alias"] == "challenger" and "margin 1.0" in three["reason"]
