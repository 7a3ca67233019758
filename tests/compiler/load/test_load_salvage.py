"""salvage(): cutting schema-invalid units out so semantic checks can run on the rest."""

from __future__ import annotations

import io

from ideko.compiler.load.diagnostics import Diagnostic
from ideko.compiler.load.salvage import salvage
from ideko.compiler.load.schema_check import schema_errors
from ruamel.yaml import YAML
from spec_texts import MINIMAL


def _data(text: str) -> dict:
    return YAML(typ="safe", pure=True).load(io.StringIO(text))


def test_valid_data_is_left_alone() -> None:
    salvaged = salvage(_data(MINIMAL))
    assert salvaged is not None and salvaged.units == frozenset()
    assert salvaged.data == _data(MINIMAL)


def test_broken_model_is_cut_and_replaced_when_none_is_left() -> None:
    salvaged = salvage(_data(MINIMAL.replace("epochs: 2", "epochs: -1")))
    assert salvaged is not None
    assert salvaged.units == {("models", "LSTM"), ("models",)}
    assert list(schema_errors(salvaged.data)) == []
    assert salvaged.covers(Diagnostic("f", 1, 1, "models.LSTM.hpo", "x"))
    assert salvaged.covers(Diagnostic("f", 1, 1, "models", "every model is disabled"))
    assert not salvaged.covers(Diagnostic("f", 1, 1, "data.classes", "x"))


def test_unknown_and_missing_sections() -> None:
    text = MINIMAL.replace("runtime:\n  image: ghcr.io/ideko/ideko-runtime:0.1.0\n", "")
    salvaged = salvage(_data(text + "extra: 1\n"))
    assert salvaged is not None
    assert salvaged.units == {("runtime",), ("extra",)}
    assert "extra" not in salvaged.data and salvaged.data["runtime"]["image"]


def test_non_mapping_cannot_be_salvaged() -> None:
    assert salvage(["a"]) is None
