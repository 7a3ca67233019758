"""The one IR-file reader: the local engine and `ideko submit` refuse a bad file alike."""

from __future__ import annotations

import pytest
from ideko.cluster.errors import SubmitError
from ideko.cluster.package import parse_ir
from ideko.local.runner.errors import RunnerError
from ideko.local.runner.ir import ir_documents as runner_documents
from ideko.schema.ir_file import IRFileError, ir_documents

BAD = {
    "yaml": ("a: [1\n", "not valid YAML"),
    "not-ir": ("apiVersion: v1\nkind: Pod\n", "neither an ideko spec"),
    "empty": ("", "neither an ideko spec"),
    "three-documents": ("root: {}\npipelineInfo: {name: p}\n---\n{}\n---\n{}\n", "at most one"),
    "platform-list": ("root: {}\npipelineInfo: {name: p}\n---\n- a\n", "must be a mapping"),
    "unknown-field": ("root: {}\npipelineInfo: {name: p}\nnope: 1\n", "not a valid KFP"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_both_engines_give_the_same_one_line_error(case: str):
    text, expected = BAD[case]
    with pytest.raises(IRFileError) as shared:
        ir_documents(text, "p.yaml")
    message = str(shared.value)
    assert message.startswith("p.yaml: ") and expected in message and "\n" not in message
    with pytest.raises(RunnerError) as local:
        runner_documents(text, "p.yaml")
    with pytest.raises(SubmitError) as submit:
        parse_ir(text, "p.yaml")
    assert str(local.value) == str(submit.value) == message


def test_a_single_document_has_an_empty_platform_spec():
    doc, platform = ir_documents("root: {}\npipelineInfo: {name: p}\n", "p.yaml")
    assert doc["pipelineInfo"] == {"name": "p"} and platform == {}
