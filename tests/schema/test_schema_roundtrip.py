"""Round trip of every golden case: the configs the compiler embeds are exactly what the
runtime reads back (contract-valid, no default re-filled, nothing dropped)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
import yaml
from ideko.runtime.data.config import parse_data_config
from ideko.runtime.training.config import normalise_model_config
from ideko.schema.documents import CONTRACTS, check_document

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
KINDS = {"model_config": "model_config", "data_config": "data_config"}
FLAGS = {"--model-config": "model_config", "--data-config": "data_config"}


def _embedded(node: Any) -> Iterator[tuple[str, str]]:
    """(kind, JSON text) of every config constant or trial argument in a compiled document."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in KINDS and isinstance(value, dict):
                constant = value.get("runtimeValue", {}).get("constant")
                if isinstance(constant, str):
                    yield KINDS[key], constant
            yield from _embedded(value)
    elif isinstance(node, list):
        for flag, value in pairwise(node):
            if isinstance(flag, str) and flag in FLAGS and isinstance(value, str):
                yield FLAGS[flag], value
        for value in node:
            yield from _embedded(value)


def _cases() -> list[tuple[str, str, str]]:
    found = []
    for path in sorted(GOLDEN.glob("*/expected/**/*.yaml")):
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            for kind, text in _embedded(document):
                found.append((str(path.relative_to(GOLDEN)), kind, text))
    return found


CASES = _cases()


def test_every_golden_case_embeds_configs() -> None:
    cases = {path.split("/")[0] for path, _, _ in CASES}
    assert cases == {p.name for p in GOLDEN.iterdir() if (p / "expected").is_dir()}
    assert {kind for _, kind, _ in CASES} == {"model_config", "data_config"}


@pytest.mark.parametrize(("where", "kind", "text"), CASES, ids=lambda v: str(v)[:40])
def test_runtime_reads_back_exactly_what_was_compiled(where: str, kind: str, text: str) -> None:
    compiled = json.loads(text)
    assert check_document(kind, compiled) is compiled, where
    if kind == "model_config":
        assert normalise_model_config(compiled) == compiled, where
    else:  # the typed DataConfig holds the content; its version was checked on read
        content = {k: v for k, v in compiled.items() if k != CONTRACTS[kind].version_field}
        assert parse_data_config(compiled).to_dict() == content, where


@pytest.mark.parametrize(("where", "kind", "text"), CASES, ids=lambda v: str(v)[:40])
def test_compiled_configs_carry_their_contract_version(where: str, kind: str, text: str) -> None:
    contract = CONTRACTS[kind]  # type: ignore[index]
    assert json.loads(text)[contract.version_field] == contract.current, where
