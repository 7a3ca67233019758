"""ideko.runtime.document_files: a bad file is one message in the caller's error type."""

from __future__ import annotations

import json

import pytest
from ideko.runtime.document_files import (
    checked_object,
    read_document,
    read_json,
    read_yaml,
    write_document,
)


class LayerError(ValueError):
    """Stands in for a caller's own error type (UserError, ConfigError, RunnerError)."""


def test_json_and_yaml_read_back(tmp_path):
    (tmp_path / "a.json").write_text('{"a": [1, 2]}', encoding="utf-8")
    (tmp_path / "a.yaml").write_text("a: [1, 2]\n", encoding="utf-8")
    assert read_json(tmp_path / "a.json", LayerError) == {"a": [1, 2]}
    assert read_yaml(tmp_path / "a.yaml", LayerError) == {"a": [1, 2]}


@pytest.mark.parametrize(
    ("name", "text", "reader", "message"),
    [
        ("missing.json", None, read_json, r"cannot read .*missing\.json: No such file"),
        ("bad.json", "{", read_json, r"bad\.json is not valid JSON \(Expecting"),
        ("bad.yaml", "a: [", read_yaml, r"bad\.yaml is not valid YAML: "),
        ("missing.yaml", None, read_yaml, r"cannot read .*missing\.yaml"),
    ],
)
def test_bad_files_raise_the_callers_error(tmp_path, name, text, reader, message):
    if text is not None:
        (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(LayerError, match=message):
        reader(tmp_path / name, LayerError)


def test_checked_object_refuses_non_objects_and_newer_versions():
    assert checked_object({"a": 1}, "model_config", LayerError) == {"a": 1}
    with pytest.raises(LayerError, match=r"^model_config must be a JSON object$"):
        checked_object([1], "model_config", LayerError)
    with pytest.raises(LayerError, match="newer than this runtime"):
        checked_object({"schema_version": 99}, "data_config", LayerError)


def test_documents_are_checked_on_write_and_read(tmp_path):
    path = tmp_path / "meta.json"
    with pytest.raises(LayerError, match=r"meta\.json: "):
        write_document(path, "dataset_metadata", {"format": "ideko-dataset/v1"}, LayerError)
    assert not path.exists()
    path.write_text(json.dumps({"format": "ideko-dataset/v9"}), encoding="utf-8")
    with pytest.raises(LayerError, match="newer than this runtime"):
        read_document(path, "dataset_metadata", LayerError)
