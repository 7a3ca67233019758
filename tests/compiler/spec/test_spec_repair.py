"""repair(): cutting schema-invalid units out so semantic checks can run on the rest."""

from __future__ import annotations

import io

from ideko.compiler.diagnostics import Diagnostic
from ideko.compiler.repair import repair
from ideko.compiler.schema_check import schema_errors
from ruamel.yaml import YAML
from spec_texts import MINIMAL


def _data(text: str) -> dict:
    return YAML(typ="safe", pure=True).load(io.StringIO(text))


def test_valid_data_is_left_alone() -> None:
    repaired = repair(_data(MINIMAL))
    assert repaired is not None and repaired.units == frozenset()
    assert repaired.data == _data(MINIMAL)


def test_broken_model_is_cut_and_replaced_when_none_is_left() -> None:
    repaired = repair(_data(MINIMAL.replace("epochs: 2", "epochs: -1")))
    assert repaired is not None
    assert repaired.units == {("models", "LSTM"), ("models",)}
    assert list(schema_errors(repaired.data)) == []
    assert repaired.covers(Diagnostic("f", 1, 1, "models.LSTM.hpo", "x"))
    assert repaired.covers(Diagnostic("f", 1, 1, "models", "every model is disabled"))
    assert not repaired.covers(Diagnostic("f", 1, 1, "data.classes", "x"))


def test_unknown_and_missing_sections() -> None:
    text = MINIMAL.replace("runtime:\n  image: ghcr.io/ideko/ideko-runtime:0.1.0\n", "")
    repaired = repair(_data(text + "extra: 1\n"))
    assert repaired is not None
    assert repaired.units == {("runtime",), ("extra",)}
    assert "extra" not in repaired.data and repaired.data["runtime"]["image"]


def test_non_mapping_cannot_be_repaired() -> None:
    assert repair(["a"]) is None
