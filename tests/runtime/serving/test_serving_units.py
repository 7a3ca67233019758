"""The serving pieces in-process: the package's checksums, the transform, references, the CLI.

No server and no trained model here: the package is the preprocess step's real metadata
beside placeholder model bytes, which is enough because a package failing its checks is
refused before Keras reads anything (the HTTP tests serve a trained one).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from ideko.runtime.data import series_transform
from ideko.runtime.errors import UserError
from ideko.runtime.serving.package import (
    CHECKSUMS_FILE,
    PackageError,
    load_package,
    write_package_files,
)
from ideko.runtime.serving.preprocessing import (
    InputError,
    Preprocessing,
    UnsupportedPreprocessing,
)
from ideko.runtime.serving.source import ModelSource, parse_reference, resolve
from serving_fixtures import SEED, SERVE_CONFIG


@pytest.fixture(scope="module")
def prepared(raw_data):
    """The preprocess step's split and sidecar of the tiny tree (standard scaling, pre-pad)."""
    from ideko.runtime.data.prepare import prepare

    _train, test, metadata, _report = prepare(raw_data, SERVE_CONFIG, SEED)
    return test, metadata


@pytest.fixture
def copy(prepared, tmp_path):
    """A package as compare writes it, with placeholder bytes where the .keras file goes."""
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "model_dense.keras").write_bytes(b"placeholder: never loaded by these tests")
    config = {"name": "dense-model", "name_parameters": {"model_name": "model_dense.keras"}}
    (folder / "evaluation.json").write_text(json.dumps({"model_config": config}))
    write_package_files(folder, prepared[1])
    return folder


def test_the_transform_of_raw_series_is_the_preprocess_steps(prepared, raw_data, copy):
    """Raw test series through the serving transform give the test split's X exactly."""
    from ideko.runtime.data.config import parse_data_config
    from ideko.runtime.data.reader import read_tree

    test, _ = prepared
    prep = Preprocessing.from_metadata(load_package(copy).dataset_metadata)
    assert prep.scaling["method"] == "standard" and prep.padding_side == "pre"
    raw = read_tree(raw_data, parse_data_config(SERVE_CONFIG))
    by_path = dict(zip(raw.paths, raw.series, strict=True))
    np.testing.assert_array_equal(prep.transform([by_path[p] for p in test.paths]), test.X)


def test_a_package_lists_every_file_with_its_checksum(copy):
    listed = json.loads((copy / CHECKSUMS_FILE).read_text())["files"]
    assert set(listed) == {"model_dense.keras", "evaluation.json", "dataset_metadata.json"}
    assert load_package(copy).keras_file.name == "model_dense.keras"


def test_damaged_metadata_fails_its_checksum(copy):
    path = copy / "dataset_metadata.json"
    path.write_text(path.read_text().replace('"side": "pre"', '"side": "post"'))
    with pytest.raises(PackageError, match=r"dataset_metadata.json failed its checksum"):
        load_package(copy)


def test_an_unpackaged_or_incomplete_directory_is_refused(copy):
    (copy / CHECKSUMS_FILE).unlink()
    with pytest.raises(PackageError, match=r"no checksums\.json: not a packaged model"):
        load_package(copy)
    with pytest.raises(PackageError, match="does not exist"):
        load_package(copy / "nowhere")


def test_unknown_preprocessing_is_a_load_error(prepared):
    metadata = dict(prepared[1])
    metadata["preprocessing"] = {"normalization": "zscore"}
    with pytest.raises(UnsupportedPreprocessing, match="normalization"):
        Preprocessing.from_metadata(metadata)


def test_the_preprocess_steps_recorded_order_is_read_and_checked(prepared):
    """prepare records the order it applied; the server serves it and refuses another."""
    metadata = dict(prepared[1])
    assert metadata["preprocessing"]["order"] == list(series_transform.ORDER)
    Preprocessing.from_metadata(metadata)
    metadata["preprocessing"] = {**metadata["preprocessing"], "order": ["scaling", "length"]}
    with pytest.raises(UnsupportedPreprocessing, match="in the order"):
        Preprocessing.from_metadata(metadata)


def test_checks_name_the_series_at_fault(prepared):
    prep = Preprocessing.from_metadata(prepared[1])
    good = np.zeros((5, 3))
    with pytest.raises(InputError, match=r"series 1 has 4 indicator\(s\)"):
        prep.transform([good, np.zeros((5, 4))])
    with pytest.raises(InputError, match=f"series 0 has {prep.length + 1} points"):
        prep.transform([np.zeros((prep.length + 1, 3))])
    inf = good.copy()
    inf[3, 2] = np.inf
    with pytest.raises(InputError, match="the first at point 3 of f5"):
        prep.transform([inf])


@pytest.mark.parametrize(
    ("text", "expected"),
    [("m", ("m", "champion")), ("m@challenger", ("m", "challenger")), ("m/12", ("m", "12"))],
)
def test_references(text, expected):
    assert parse_reference(text) == expected


@pytest.mark.parametrize("text", ["m@", "m/x", "@champion", "m@1x", "a b"])
def test_bad_references_are_user_errors(text):
    with pytest.raises(UserError, match="expected NAME, NAME@ALIAS or NAME/VERSION"):
        parse_reference(text)


def test_a_source_is_a_directory_or_a_reference():
    with pytest.raises(UserError, match="not both"):
        ModelSource(model_dir="x", registry_uri="r", reference="m")
    assert resolve(ModelSource(model_dir="file:///tmp/m")).folder.as_posix() == "/tmp/m"


def test_ideko_serve_refuses_a_damaged_package_in_one_line(copy, capsys):
    from ideko.cli.main import main

    keras = copy / "model_dense.keras"
    keras.write_bytes(keras.read_bytes()[:-10])
    assert main(["serve", "--model-dir", str(copy)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("ideko serve: error: ") and "failed its checksum" in err
    assert "\n" not in err


def test_ideko_serve_needs_one_source(capsys):
    from ideko.cli.main import main

    assert main(["serve"]) == 2
    assert "give a registered model" in capsys.readouterr().err


def test_a_truncating_length_policy_cuts_instead_of_refusing(prepared):
    """With ``length: truncate`` (wt-valid's preprocessing section) a long series keeps its
    first points; one still longer than the model's input after the policy is refused."""
    from ideko.runtime.data.series_transform import znormalise

    metadata = dict(prepared[1])
    length = metadata["padding"]["length"]
    metadata["preprocessing"] = {
        "length": {"policy": "truncate", "max_length": length},
        "series_normalisation": "zscore",
        "scaling": {"method": "none"},
    }
    prep = Preprocessing.from_metadata(metadata)
    long = np.arange((length + 7) * 3, dtype=np.float64).reshape(length + 7, 3)
    (row,) = prep.transform([long])
    expected = znormalise(long[:length].astype(np.float32))
    np.testing.assert_allclose(row, expected, rtol=1e-6)
    metadata["preprocessing"]["length"]["max_length"] = length + 5
    with pytest.raises(InputError, match=f"after its length policy \\(truncate\\); this model "
                                         f"takes at most {length}"):
        Preprocessing.from_metadata(metadata).transform([long])
