"""Real HTTP on loopback against KServe's ModelServer serving a packaged ideko model.

Every test uses the one session server (see conftest): ``ideko serve NAME@champion`` on an
embedded MLflow registry holding the compare step's package. Predictions are compared with
what the evaluate step computed for the same series and with the model directory served
in-process: the server gets the RAW series (read from
the data tree, unscaled, unpadded) and must reproduce the evaluate step's confusion matrix.
"""

from __future__ import annotations

import json
import math
import shutil

import numpy as np
import pytest
from serving_fixtures import MODEL_NAME, SERVE_CONFIG

pytestmark = pytest.mark.slow  # trains a package and starts KServe's model server

INFER = f"/v2/models/{MODEL_NAME}/infer"
PREDICT = f"/v1/models/{MODEL_NAME}:predict"
ALL_COLUMNS = ["f1", "f2", "f3", "f4", "f5"]


@pytest.fixture(scope="module")
def raw_test(package):
    """The test split's raw series (every column, in file order) and their true labels."""
    from ideko.runtime.data.config import parse_data_config
    from ideko.runtime.data.dataset_io import load_dataset
    from ideko.runtime.data.reader import read_tree

    config = parse_data_config({**SERVE_CONFIG, "indicators": ALL_COLUMNS})
    raw = read_tree(package.root, config)
    by_path = dict(zip(raw.paths, raw.series, strict=True))
    test = load_dataset(package.test)
    return [by_path[p] for p in test.paths.tolist()], test


def _v2_body(series: list[np.ndarray]) -> dict:
    """One ``series`` input, padded to a rectangle with junk, and ``lengths``."""
    longest = max(len(s) for s in series)
    batch = np.full((len(series), longest, series[0].shape[1]), 12345.0)
    for i, values in enumerate(series):
        batch[i, : len(values)] = values
    return {
        "id": "req-1",
        "inputs": [
            {"name": "series", "shape": list(batch.shape), "datatype": "FP64",
             "data": batch.flatten().tolist()},
            {"name": "lengths", "shape": [len(series)], "datatype": "INT64",
             "data": [len(s) for s in series]},
        ],
    }


def _outputs(body: dict) -> dict:
    return {o["name"]: o for o in body["outputs"]}


def _still_serving(server) -> None:
    assert server.request("GET", "/v2/health/ready") == (200, {"ready": True})


def test_health_and_model_metadata(server):
    assert server.request("GET", "/v2/health/ready") == (200, {"ready": True})
    status, meta = server.request("GET", f"/v2/models/{MODEL_NAME}")
    assert status == 200
    assert meta["name"] == MODEL_NAME
    assert meta["inputs"] == [{"name": "series", "datatype": "FP32", "shape": [-1, -1, 3]}]
    assert [o["name"] for o in meta["outputs"]] == ["label", "probabilities"]
    assert server.request("GET", f"/v1/models/{MODEL_NAME}") == (
        200, {"name": MODEL_NAME, "ready": True}
    )


def test_v2_predictions_equal_the_evaluate_step(server, package, raw_test):
    from ideko.runtime.training.evaluation import classification_metrics, predict_classes
    from ideko.runtime.training.trainer import load_model

    series, test = raw_test
    kept = [s[:, 2:5] for s in series]  # f3, f4, f5: the model's indicators, positional
    status, body = server.request("POST", INFER, _v2_body(kept))
    assert status == 200, body
    assert body["model_name"] == MODEL_NAME and body["id"] == "req-1"
    outputs = _outputs(body)
    classes = list(test.classes)
    assert json.loads(outputs["probabilities"]["parameters"]["classes"]) == classes
    served = np.array([classes.index(label) for label in outputs["label"]["data"]])
    model = load_model(package.model_dir / "model_dense.keras")
    np.testing.assert_array_equal(served, predict_classes(model, test.X))
    probabilities = np.array(outputs["probabilities"]["data"]).reshape(len(kept), len(classes))
    np.testing.assert_allclose(probabilities, model.predict(test.X, verbose=0), atol=1e-5)
    metrics = classification_metrics(test.y_int, served, classes)
    assert metrics["confusion_matrix"] == package.evaluation["test"]["confusion_matrix"]
    assert metrics["accuracy"] == package.evaluation["test"]["accuracy"]


def test_v1_by_name_selects_the_indicators(server, raw_test):
    series, _ = raw_test
    named = [{c: s[:, i].tolist() for i, c in enumerate(ALL_COLUMNS)} for s in series[:4]]
    positional = [s[:, 2:5].tolist() for s in series[:4]]
    status, by_name = server.request("POST", PREDICT, {"instances": named})
    assert status == 200, by_name
    status, by_position = server.request("POST", PREDICT, {"instances": positional})
    assert status == 200
    assert [p["label"] for p in by_name["predictions"]] == [
        p["label"] for p in by_position["predictions"]
    ]
    first = by_name["predictions"][0]["probabilities"]
    assert math.isclose(sum(first.values()), 1.0, rel_tol=1e-5)


def _points(n: int, width: int = 3) -> list[list[float]]:
    return [[float(i + j) for j in range(width)] for i in range(n)]


BAD_V1 = {
    "wrong number of indicators": ({"instances": [_points(10, width=5)]},
                                   "has 5 indicator(s) per point; this model takes 3"),
    "missing named indicator": ({"instances": [{"f3": [1.0], "f4": [2.0]}]},
                                "lacks indicator(s) f5"),
    "too long": ({"instances": [_points(2_000)]}, "this model takes at most"),
    "empty batch": ({"instances": []}, "empty batch"),
    "empty series": ({"instances": [[]]}, "series 0 has no points"),
    "not numbers": ({"instances": [[["a", "b", "c"]]]}, "must hold numbers only"),
    "no instances": ({"inputs": []}, '{"instances"'),
}


@pytest.mark.parametrize("case", sorted(BAD_V1))
def test_v1_bad_input_is_a_400_with_a_clear_message(server, case):
    body, expected = BAD_V1[case]
    status, answer = server.request("POST", PREDICT, body)
    assert status == 400, answer
    assert expected in answer["error"] and "Traceback" not in answer["error"]
    _still_serving(server)


def _v2_input(name: str, shape: list[int], data: list, datatype: str = "FP32") -> dict:
    return {"name": name, "shape": shape, "datatype": datatype, "data": data}


BAD_V2 = {
    "wrong number of indicators": ([_v2_input("series", [1, 2, 2], [1.0, 2.0, 3.0, 4.0])],
                                   "has 2 indicator(s) per point; this model takes 3"),
    "too long": ([_v2_input("series", [1, 5000, 3], [0.5] * 15000)], "at most"),
    "empty batch": ([_v2_input("series", [0, 4, 3], [])], "empty batch"),
    "missing indicator input": ([_v2_input("f3", [1, 2], [1.0, 2.0])],
                                "missing input(s) f4, f5"),
    "shape and data disagree": ([_v2_input("series", [1, 4, 3], [1.0, 2.0])],
                                "does not fit shape"),
    "strings": ([_v2_input("series", [1, 1, 1], ["x"], "BYTES")], "datatype BYTES"),
    "bad lengths": ([_v2_input("series", [1, 2, 3], [0.0] * 6),
                     _v2_input("lengths", [1], [7], "INT64")], "between 0 and 2"),
}


@pytest.mark.parametrize("case", sorted(BAD_V2))
def test_v2_bad_input_is_a_400_with_a_clear_message(server, case):
    inputs, expected = BAD_V2[case]
    status, answer = server.request("POST", INFER, {"inputs": inputs})
    assert status == 400, answer
    assert expected in answer["error"]
    _still_serving(server)


def test_nan_values_are_refused_in_both_protocols(server):
    row = [[1.0, float("nan"), 3.0], [1.0, 2.0, 3.0]]
    body = json.dumps({"instances": [row]}).encode()  # Python writes NaN, as many clients do
    status, answer = server.request("POST", PREDICT, body)
    assert status == 400 and "error" in answer
    flat = [v for point in row for v in point]
    v2 = json.dumps({"inputs": [_v2_input("series", [1, 2, 3], flat)]}).encode()
    status, answer = server.request("POST", INFER, v2)
    assert status == 400
    assert "NaN or infinite value(s), the first at point 0 of f4" in answer["error"]
    _still_serving(server)


def test_unknown_model_is_a_404(server):
    status, answer = server.request("POST", "/v2/models/nope/infer", {"inputs": []})
    assert status == 404 and "nope" in answer["error"]


def test_a_reload_failing_the_registry_checksum_is_refused_and_the_old_model_keeps_serving(
    server, package, raw_test
):
    series, _ = raw_test
    body = {"instances": [s[:, 2:5].tolist() for s in series[:3]]}
    before = server.request("POST", PREDICT, body)
    keras_file = server.model_dir / "model_dense.keras"
    keras_file.write_bytes(keras_file.read_bytes() + b"tampered")
    try:
        status, answer = server.request("POST", f"/v2/repository/models/{MODEL_NAME}/load")
        assert status == 503, answer
        assert "fail their checksum" in answer["error"]  # the registry's check, first
        assert "still serving version 1" in answer["error"]
        assert server.request("POST", PREDICT, body) == before
        _still_serving(server)
    finally:
        shutil.copy2(package.model_dir / "model_dense.keras", keras_file)
    status, answer = server.request("POST", f"/v2/repository/models/{MODEL_NAME}/load")
    assert status == 200, answer
    assert server.request("POST", PREDICT, body) == before


# ---- the registry's champion against the model directory; registry faults -----------------
def test_the_champion_answers_like_serving_the_model_directory(server, package, raw_test):
    """The registered copy is the compare step's package byte for byte, and its answers are
    those of the same server class loading the ``--model-dir`` in-process (same labels,
    probabilities within 1e-5: two processes' oneDNN threads may differ in the last bits)."""
    import asyncio

    from ideko.runtime.serving.model import SeriesClassifier
    from ideko.runtime.serving.package import CHECKSUMS_FILE, DATASET_METADATA_FILE
    from ideko.runtime.serving.source import ModelSource

    for name in (CHECKSUMS_FILE, DATASET_METADATA_FILE):
        assert (server.model_dir / name).read_bytes() == (package.model_dir / name).read_bytes()
    series, _ = raw_test
    body = {"instances": [s[:, 2:5].tolist() for s in series]}
    status, served = server.request("POST", PREDICT, body)
    assert status == 200 and served["model_version"] == "1", served
    direct = SeriesClassifier(MODEL_NAME, ModelSource(model_dir=str(package.model_dir)))
    direct.load()

    async def answer() -> dict:
        return direct.postprocess(direct.predict(await direct.preprocess(body)))

    expected = asyncio.run(answer())["predictions"]
    assert [p["label"] for p in served["predictions"]] == [p["label"] for p in expected]
    for got, want in zip(served["predictions"], expected, strict=True):  # oneDNN's threads
        assert got["probabilities"] == pytest.approx(want["probabilities"], rel=1e-5)  # vary ulps


def _refused_in_one_line(reference: str, registry_uri: str, capsys) -> None:
    """`ideko serve REFERENCE` fails before any server starts: exit 2, one error line."""
    from ideko.cli.main import main

    code = main(["serve", reference, "--registry", registry_uri])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.count("\n") == 0, err
    assert err.startswith("ideko serve: error:") and registry_uri in err and MODEL_NAME in err


def test_serve_an_alias_or_version_pointing_nowhere_is_one_line_and_exit_2(server, capsys):
    for reference in (f"{MODEL_NAME}@challenger", f"{MODEL_NAME}/7"):
        _refused_in_one_line(reference, server.registry_uri, capsys)


def test_a_deleted_champion_on_reload_is_a_5xx_and_version_1_keeps_serving(
    server, package, raw_test, capsys
):
    """Last in this module (it deletes the served version, then registers a new champion):
    the reload is refused in the protocol's error format while the loaded version answers,
    and a new `ideko serve` of the same reference is refused at start."""
    from ideko.runtime.registry import open_registry
    from ideko.runtime.steps import register

    series, _ = raw_test
    body = {"instances": [s[:, 2:5].tolist() for s in series[:3]]}
    before = server.request("POST", PREDICT, body)
    load = f"/v2/repository/models/{MODEL_NAME}/load"
    registry = open_registry(server.registry_uri)
    registry.delete_version(MODEL_NAME, "1")
    try:
        status, answer = server.request("POST", load)
        assert 500 <= status < 600 and set(answer) == {"error"}, answer
        assert server.registry_uri in answer["error"] and MODEL_NAME in answer["error"]
        assert "still serving version 1" in answer["error"]
        assert server.request("POST", PREDICT, body) == before
        _still_serving(server)
        _refused_in_one_line(f"{MODEL_NAME}@champion", server.registry_uri, capsys)
    finally:  # a champion again (version 2, the same package), for any test after this one
        rule = {"promotion": {"metric": "accuracy", "threshold": 0.0, "margin": 0.0}}
        again = register.run(MODEL_NAME, server.registry_uri, package.model_dir, rule)
        registry.set_alias(MODEL_NAME, "champion", again["version"])
    status, answer = server.request("POST", load)
    assert status == 200, answer
    assert server.request("POST", PREDICT, body)[1]["model_version"] == again["version"]
