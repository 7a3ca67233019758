"""Every architecture trains on tiny data through the step functions and produces every artifact.

Steps run in their KFP form (``component(...)`` with real ``kfp.dsl`` artifact objects) and in
their plain form (``run(...)``); compare and register consume what evaluate wrote.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ideko.runtime.steps import compare, evaluate, register, train
from kfp import dsl
from markupsafe import escape

PNG = b"\x89PNG\r\n\x1a\n"
CLASSES = ["electrical anomaly", "mechanical anomaly", "not anomalous"]
SUMMARY = {
    "accuracy", "macro_precision", "macro_recall", "macro_f1",
    "training_time", "model_size_bytes", "inference_latency_ms",
}  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize(
    ("arch", "masking"),
    [("dense", "original"), ("cnn", "original"), ("cnn", "mask-aware"), ("rnn", "original"),
     ("lstm", "original"), ("gru", "mask-aware")],
)  # fmt: skip
def test_component_forms_produce_every_artifact(splits, make_config, tmp_path, arch, masking):
    config = make_config(arch, epochs=2, masking=masking)
    train_data = dsl.Dataset(name="train_data", uri=str(splits["train"]))
    test_data = dsl.Dataset(name="test_data", uri=str(splits["test"]))
    model = dsl.Model(name="model", uri=str(tmp_path / "model"))
    outputs = train.component(json.dumps(config), "{}", 2, train_data, model)
    assert set(outputs) == {"validation_accuracy", "training_time"}
    assert 0.0 <= outputs["validation_accuracy"] <= 1.0 and outputs["training_time"] > 0
    folder = Path(model.path)
    assert sorted(p.name for p in folder.iterdir()) == [
        "history.json",
        "history.png",
        f"model_{arch}.keras",
    ]
    assert (folder / "history.png").read_bytes().startswith(PNG)
    history = json.loads((folder / "history.json").read_text())
    assert set(history["history"]) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert history["epochs_run"] == 2
    assert model.metadata["architecture"] == arch

    metrics = dsl.Metrics(name="metrics", uri=str(tmp_path / "metrics"))
    matrix = dsl.ClassificationMetrics(name="cm", uri=str(tmp_path / "cm"))
    evaluation = dsl.Artifact(name="evaluation", uri=str(tmp_path / "evaluation.json"))
    result = evaluate.component(
        json.dumps(config), model, train_data, test_data, metrics, matrix, evaluation
    )
    document = json.loads(Path(evaluation.path).read_text())
    assert result == {
        "accuracy": document["summary"]["accuracy"],
        "macro_f1": document["summary"]["macro_f1"],
    }
    assert set(metrics.metadata) == SUMMARY
    assert metrics.metadata["model_size_bytes"] == (folder / f"model_{arch}.keras").stat().st_size
    names = [spec["displayName"] for spec in matrix.metadata["confusionMatrix"]["annotationSpecs"]]
    assert names == CLASSES
    for part in ("test", "whole_dataset"):
        assert list(document[part]["per_class"]) == CLASSES
        assert document[part]["confusion_matrix"]["labels"] == CLASSES
    n_test, n_all = document["test"]["num_samples"], document["whole_dataset"]["num_samples"]
    assert sum(map(sum, document["test"]["confusion_matrix"]["matrix"])) == n_test
    assert n_all > n_test
    assert document["inference_latency_ms"] > 0
    assert document["training_time"] == pytest.approx(outputs["training_time"])


@pytest.fixture(scope="module")
def quality(raw_data):
    """The preprocess findings of the splits' data (24 series: a validation set below the
    floor, so one warning), as the preprocess step hands them on."""
    from ideko.runtime.baseline import data_config
    from ideko.runtime.data.dataset_io import quality_findings
    from ideko.runtime.data.prepare import prepare

    return quality_findings(prepare(raw_data, data_config(["f3", "f4", "f5"], 2), 2)[2])


@pytest.fixture(scope="module")
def evaluated(splits, make_config, tmp_path_factory, quality):
    """Two models trained and evaluated through the plain run(...) forms."""
    root = tmp_path_factory.mktemp("compare")
    models, evaluations = {}, {}
    for arch in ("dense", "gru"):
        config = make_config(arch, epochs=1)
        name = config["name"]
        train.run(config, splits["train"], 2, root / name, emit_metrics=False)
        evaluate.run(
            config, root / name, splits["train"], splits["test"], root / f"{name}.json", quality
        )
        models[name], evaluations[name] = root / name, root / f"{name}.json"
    return root, models, evaluations


SELECTION = {
    "criteria": [
        {"metric": "macro_f1", "weight": 0.7, "goal": "maximize"},
        {"metric": "accuracy", "weight": 0.2, "goal": "maximize"},
        {"metric": "training_time", "weight": 0.1, "goal": "minimize"},
    ]
}


@pytest.mark.slow
def test_compare_writes_report_ranking_and_best_model(evaluated, quality, tmp_path):
    _root, models, evaluations = evaluated
    report = dsl.HTML(name="report", uri=str(tmp_path / "report.html"))
    best = dsl.Model(name="best_model", uri=str(tmp_path / "best"))
    ranking = dsl.Metrics(name="ranking", uri=str(tmp_path / "ranking.json"))
    outputs = compare.component(
        json.dumps(SELECTION),
        json.dumps({"metric": "accuracy", "threshold": 0.0}),
        {n: dsl.Artifact(name=n, uri=str(p)) for n, p in evaluations.items()},
        {n: dsl.Model(name=n, uri=str(p)) for n, p in models.items()},
        report,
        best,
        ranking,
    )
    table = json.loads(Path(ranking.path).read_text())
    assert outputs["best_model_name"] == table["ranking"][0]["name"]
    assert outputs["promote"] is True
    assert outputs["best_score"] == pytest.approx(table["ranking"][0]["score"])
    assert [row["rank"] for row in table["ranking"]] == [1, 2]
    assert ranking.metadata == {f"score_{row['name']}": row["score"] for row in table["ranking"]}
    html = Path(report.path).read_text()
    assert html.count("data:image/png;base64,") == 4  # a confusion matrix + curves per model
    assert "http://" not in html and "https://" not in html and "<script" not in html
    for text in ("dense-model", "gru-model", *CLASSES, "Class distribution", "<th>validation</th>"):
        assert text in html
    assert quality["reasons"] and "Data quality" in html  # every finding of preprocess is listed
    for reason in quality["reasons"]:
        assert f"<li>{escape(reason)}</li>" in html  # autoescaped: class names are quoted
    rows = quality["validation"]["rows"]
    assert f"Validation set: {rows} of " in html
    copied = Path(best.path)
    assert (copied / "evaluation.json").is_file()
    assert any(copied.glob("*.keras"))
    winner = json.loads((copied / "evaluation.json").read_text())["model_name"]
    assert winner == outputs["best_model_name"]


@pytest.mark.slow
def test_promotion_threshold_blocks(evaluated, tmp_path):
    _root, models, evaluations = evaluated
    outputs = compare.run(
        SELECTION, {"metric": "accuracy", "threshold": 1.01}, evaluations, models,
        tmp_path / "r.html", tmp_path / "best",
    )  # fmt: skip
    assert outputs["promote"] is False


@pytest.mark.slow
def test_register_publishes_consecutive_versions(evaluated, tmp_path):
    _root, models, evaluations = evaluated
    compare.run(SELECTION, {}, evaluations, models, tmp_path / "r.html", tmp_path / "best")
    registry = tmp_path / "registry"
    first = dsl.Artifact(name="registered", uri=str(tmp_path / "registered.json"))
    assert register.component(
        "ideko-anomaly", str(registry), dsl.Model(name="b", uri=str(tmp_path / "best")), first
    ) == {"version": "1"}
    assert register.run("ideko-anomaly", registry.as_uri(), tmp_path / "best")["version"] == "2"
    entries = sorted(p.name for p in (registry / "ideko-anomaly").iterdir())
    assert entries == ["1", "2"], "no staging directory left behind"
    record = json.loads((registry / "ideko-anomaly" / "2" / "model.json").read_text())
    assert record["version"] == 2
    assert record["lineage"]["fingerprint"].startswith("sha256:")
    assert record["lineage"]["seed"] == 2
    assert len(record["lineage"]["train_data_sha256"]) == 64
    assert record["lineage"]["model_config"]["name"] == record["source_model"]
    assert set(record["metrics"]) == SUMMARY
    assert json.loads(Path(first.path).read_text())["version"] == 1
    assert first.metadata["version"] == "1"


def test_step_errors_are_clear(tmp_path):
    with pytest.raises(Exception, match="does not exist"):
        evaluate.run({"architecture": "gru"}, tmp_path / "nothing", "a.npz", "b.npz")
    with pytest.raises(Exception, match="model name"):
        register.run("../escape", str(tmp_path), tmp_path)
    with pytest.raises(Exception, match="name different models"):
        compare.run(SELECTION, {}, {"a": "x.json"}, {"b": "x"}, tmp_path / "r", tmp_path / "b")
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    with pytest.raises(Exception, match="not an evaluation"):
        compare.run(SELECTION, {}, {"a": bad}, {"a": tmp_path}, tmp_path / "r", tmp_path / "b")
    assert not (tmp_path / "r").exists(), "nothing half-written"


def test_padding_value_comes_from_the_dataset_artifact():
    assert train.padding_of({"padding_value": -1}) == -1.0
    assert train.padding_of({"padding": {"value": 2.5, "side": "post"}}) == 2.5
    assert train.padding_of({}) == 0.0


def test_too_few_series_for_the_validation_split_is_a_clear_error():
    import numpy as np
    from ideko.runtime.data.dataset_io import Dataset
    from ideko.runtime.errors import UserError

    one = Dataset(
        X=np.zeros((1, 5, 1), "float32"),
        y=np.eye(3, dtype="float32")[:1],
        labels=np.array(["a"]),
        days=np.array(["d"]),
        paths=np.array(["p"]),
        classes=("a", "b", "c"),
    )
    config = {
        "architecture": "gru",
        "model_parameters": {"activation_function": "tanh", "hidden_units": [2]},
        "training_parameters": {"epochs": 1, "batch_size": 2},
    }
    with pytest.raises(UserError, match="leave 0 to train and 1 to validate on"):
        train.run(config, one, 1, None)


def test_atomic_outputs_replace_whole_directories_with_normal_modes(tmp_path):
    import stat

    from ideko.runtime.atomic import atomic_directory, file_mode, write_json

    target = tmp_path / "model"
    target.mkdir()
    (target / "stale.txt").write_text("from a failed attempt")
    with atomic_directory(target) as staging:
        write_json(staging / "a.json", {"x": 1})
    assert sorted(p.name for p in target.iterdir()) == ["a.json"]
    assert stat.S_IMODE((target / "a.json").stat().st_mode) == file_mode()
    with pytest.raises(RuntimeError), atomic_directory(target) as staging:
        write_json(staging / "b.json", {})
        raise RuntimeError("step failed")
    assert sorted(p.name for p in target.iterdir()) == ["a.json"], "failed attempt leaves no trace"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]
