"""Golden tests: each tests/golden/<case>/spec.yaml compiles to exactly its expected/ tree.

Regenerate (then review the diff before committing):

    UPDATE_GOLDEN=1 .venv/bin/pytest tests/golden

Independently of the byte comparison, every expected pipeline.yaml must parse strictly into
kfp's PipelineSpec and load with kfp, so a bad regeneration cannot be committed unnoticed.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from google.protobuf import json_format
from kfp.components import load_component_from_file
from kfp.pipeline_spec import pipeline_spec_pb2

from ideko.compiler.drift import diff_trees
from ideko.compiler.load import load_spec
from ideko.compiler.render import render
from ideko.compiler.write import read_tree, write_tree

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent
CASES = sorted(p.parent.name for p in GOLDEN.glob("*/spec.yaml") if p.parent.name != "errors")
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def test_there_are_enough_cases():
    assert {"small", "default-heavy", "ideko", "hpo-heavy", "models-include"} <= set(CASES)


@pytest.mark.parametrize("case", CASES)
def test_spec_compiles_to_expected_tree(case, monkeypatch):
    monkeypatch.chdir(ROOT)  # headers name the spec relative to the repository
    files = render(load_spec(Path("tests/golden") / case / "spec.yaml"))
    expected_dir = GOLDEN / case / "expected"
    if UPDATE:
        write_tree(expected_dir, files)
    diffs = diff_trees(files, read_tree(expected_dir, files))
    assert not diffs, (
        f"{case}: compiled output differs from tests/golden/{case}/expected "
        "(UPDATE_GOLDEN=1 .venv/bin/pytest tests/golden regenerates):\n" + "".join(diffs)
    )


@pytest.mark.parametrize("case", CASES)
def test_expected_pipeline_is_valid_kfp_ir(case):
    paths = sorted((GOLDEN / case / "expected").glob("*/pipeline.yaml"))
    assert len(paths) == 1
    ir, *platform = yaml.safe_load_all(paths[0].read_text(encoding="utf-8"))
    json_format.ParseDict(ir, pipeline_spec_pb2.PipelineSpec(), ignore_unknown_fields=False)
    assert len(platform) <= 1  # kfp's layout: the PlatformSpec, when any, is the second document
    for document in platform:
        json_format.ParseDict(document, pipeline_spec_pb2.PlatformSpec(), ignore_unknown_fields=False)
    component = load_component_from_file(str(paths[0]))
    assert component.name == paths[0].parent.name
