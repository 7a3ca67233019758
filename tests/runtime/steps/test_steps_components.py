"""The step functions train, evaluate and compare tiny models and produce every artifact.

Train and evaluate run in their KFP form (``component(...)`` with real ``kfp.dsl`` artifact
objects), once per model for the whole module; compare runs in both forms on what evaluate
wrote. (The plain ``run(...)`` forms of train and evaluate are what test_steps_register.py and
the serving fixtures call.)
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


# Run through both KFP step forms: the original Flatten model, the custom masked layers
# (MaskedConvPool1D, masked average) and a recurrent model (SimpleRNN: the recurrent body
# GRU and LSTM share) through fit, checkpoint, save, load and evaluate. GRU also trains in
# test_steps_train_cli.py's trial process, LSTM in tests/local/katib/test_hpo_e2e.py's
# trials; the other model files (original CNN, LSTM, GRU) load back in
# test_model_file_loads_back_with_its_layers below (no training needed for that).
TRAINED = (("dense", "original"), ("cnn", "mask-aware"), ("rnn", "original"))


@pytest.fixture(scope="module")
def quality(raw_data):
    """The preprocess findings of the splits' data (24 series: a validation set below the
    floor, so one warning), as the preprocess step hands them on."""
    from ideko.runtime.baseline import data_config
    from ideko.runtime.data.dataset_io import quality_findings
    from ideko.runtime.data.prepare import prepare

    return quality_findings(prepare(raw_data, data_config(["f3", "f4", "f5"], 2), 2)[2])


@pytest.fixture(scope="module")
def components(splits, make_config, tmp_path_factory, quality) -> dict[str, dict]:
    """Each TRAINED model through ``train.component`` then ``evaluate.component`` with real
    ``kfp.dsl`` artifacts (the train artifact carries the preprocess findings, as in a run),
    by architecture: what every test of this module reads (trained once: the suite budget)."""
    made = {}
    for arch, masking in TRAINED:
        tmp = tmp_path_factory.mktemp(f"{arch}-component")
        config = make_config(arch, epochs=2, masking=masking)
        train_data = dsl.Dataset(
            name="train_data", uri=str(splits["train"]), metadata={"data_quality": quality}
        )
        test_data = dsl.Dataset(name="test_data", uri=str(splits["test"]))
        model = dsl.Model(name="model", uri=str(tmp / "model"))
        trained = train.component(json.dumps(config), "{}", 2, train_data, model)
        metrics = dsl.Metrics(name="metrics", uri=str(tmp / "metrics"))
        matrix = dsl.ClassificationMetrics(name="cm", uri=str(tmp / "cm"))
        evaluation = dsl.Artifact(name="evaluation", uri=str(tmp / "evaluation.json"))
        result = evaluate.component(
            json.dumps(config), model, train_data, test_data, metrics, matrix, evaluation
        )
        made[arch] = {"config": config, "trained": trained, "model": model, "result": result,
                      "metrics": metrics, "matrix": matrix, "evaluation": evaluation}  # fmt: skip
    return made


@pytest.mark.slow
@pytest.mark.parametrize("arch", [arch for arch, _masking in TRAINED])
def test_component_forms_produce_every_artifact(components, arch):
    made = components[arch]
    outputs, model = made["trained"], made["model"]
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

    metrics, matrix, evaluation = made["metrics"], made["matrix"], made["evaluation"]
    document = json.loads(Path(evaluation.path).read_text())
    assert made["result"] == {
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


@pytest.mark.parametrize("arch", ["cnn", "lstm", "gru"])
def test_model_file_loads_back_with_its_layers(make_config, tmp_path, arch):
    """The architectures not trained above: the ``.keras`` file the train step writes loads
    back (``load_model``, as evaluate and serving read it) and computes the same outputs."""
    import numpy as np
    from ideko.runtime.training.builders import build_model
    from ideko.runtime.training.config import normalise_model_config
    from ideko.runtime.training.trainer import load_model

    config = normalise_model_config(make_config(arch))  # cnn: the original Flatten model
    model = build_model(config, (30, 3), 3, 0.0).model
    path = tmp_path / config["name_parameters"]["model_name"]
    model.save(str(path))
    x = np.random.default_rng(0).normal(size=(4, 30, 3)).astype("float32")
    x[:, 20:] = 0.0  # padded
    again = load_model(path)
    assert [type(layer).__name__ for layer in again.layers] == [
        type(layer).__name__ for layer in model.layers
    ]
    np.testing.assert_allclose(
        np.asarray(again(x, training=False)), np.asarray(model(x, training=False)), rtol=1e-5
    )


@pytest.fixture(scope="module")
def evaluated(components) -> tuple[dict[str, Path], dict[str, Path]]:
    """The trained models and their evaluation documents, by model name, for compare."""
    models = {c["config"]["name"]: Path(c["model"].path) for c in components.values()}
    evaluations = {c["config"]["name"]: Path(c["evaluation"].path) for c in components.values()}
    return models, evaluations


SELECTION = {
    "criteria": [
        {"metric": "macro_f1", "weight": 0.7, "goal": "maximize"},
        {"metric": "accuracy", "weight": 0.2, "goal": "maximize"},
        {"metric": "training_time", "weight": 0.1, "goal": "minimize"},
    ]
}


@pytest.mark.slow
def test_compare_writes_report_ranking_and_best_model(evaluated, quality, tmp_path):
    models, evaluations = evaluated
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
    assert [row["rank"] for row in table["ranking"]] == list(range(1, len(TRAINED) + 1))
    assert ranking.metadata == {f"score_{row['name']}": row["score"] for row in table["ranking"]}
    html = Path(report.path).read_text()
    assert html.count("data:image/png;base64,") == 2 * len(TRAINED)  # matrix + curves each
    assert "http://" not in html and "https://" not in html and "<script" not in html
    names = [f"{arch}-model" for arch, _masking in TRAINED]
    for text in (*names, *CLASSES, "Class distribution", "<th>validation</th>"):
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
    models, evaluations = evaluated
    outputs = compare.run(
        SELECTION, {"metric": "accuracy", "threshold": 1.01}, evaluations, models,
        tmp_path / "r.html", tmp_path / "best",
    )  # fmt: skip
    assert outputs["promote"] is False


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
