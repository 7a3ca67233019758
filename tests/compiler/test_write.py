"""Writer: atomic writes, unchanged files left alone, stale manifests removed."""

from __future__ import annotations

import os
from dataclasses import replace

import build_specs
import pytest
from ideko.compiler import write
from ideko.compiler.render import render
from ideko.compiler.write import read_tree, write_tree


def test_write_tree_writes_then_reports_no_change(tmp_path):
    files = render(build_specs.full())
    changes = write_tree(tmp_path, files)
    assert len(changes) == 3
    for rel, text in files.items():
        assert (tmp_path / rel).read_bytes() == text.encode("utf-8")
    assert write_tree(tmp_path, files) == []
    assert not list(tmp_path.rglob("*.tmp"))


def test_stale_manifests_of_removed_models_are_deleted(tmp_path):
    spec = build_specs.hpo_heavy()
    write_tree(tmp_path, render(spec))
    katib = tmp_path / "hpo-heavy" / "katib"
    assert sorted(p.name for p in katib.iterdir()) == [
        "cnn.yaml",
        "gru-large.yaml",
        "lstm.yaml",
        "rbac.yaml",
    ]
    (katib / "notes.txt").write_text("mine")  # not a generated file: left alone
    fewer = replace(spec, models=tuple(m for m in spec.models if m.name != "cnn"))
    changes = write_tree(tmp_path, render(fewer))
    assert f"removed {katib / 'cnn.yaml'}" in changes
    assert sorted(p.name for p in katib.iterdir()) == [
        "gru-large.yaml",
        "lstm.yaml",
        "notes.txt",
        "rbac.yaml",
    ]


def test_katib_folder_removed_when_no_model_is_tuned(tmp_path):
    spec = build_specs.full()
    write_tree(tmp_path, render(spec))
    untuned = replace(spec, models=tuple(replace(m, hpo=None) for m in spec.models))
    write_tree(tmp_path, render(untuned))
    assert not (tmp_path / spec.metadata.name / "katib").exists()
    assert (tmp_path / spec.metadata.name / "pipeline.yaml").is_file()


def test_failed_write_leaves_nothing_half_written(tmp_path, monkeypatch):
    files = render(build_specs.full())
    write_tree(tmp_path, files)
    before = read_tree(tmp_path, files)
    changed = {rel: text + "# changed\n" for rel, text in files.items()}
    calls = []
    real_replace = os.replace

    def failing_replace(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(write.os, "replace", failing_replace)
    with pytest.raises(OSError):
        write_tree(tmp_path, changed)
    monkeypatch.undo()
    assert not list(tmp_path.rglob("*.tmp"))
    after = read_tree(tmp_path, files)
    for rel in files:  # each file is either entirely old or entirely new
        assert after[rel] in (before[rel], changed[rel])


def test_a_text_that_does_not_parse_back_is_not_written(tmp_path):
    from ideko.compiler.render import render_with_documents

    files, documents = render_with_documents(build_specs.small())
    rel = next(iter(files))
    injected = files[rel].replace("# Inputs:", "# Inputs:\ndefaultPipelineRoot: s3://attacker/\n#")
    with pytest.raises(ValueError, match="does not parse back to the documents"):
        write_tree(tmp_path, {**files, rel: injected}, documents)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []  # no file, no .tmp


def test_render_refuses_a_comment_header_that_adds_keys(monkeypatch):
    import ideko.compiler.render as render_module

    real = render_module.ir_comment_header
    monkeypatch.setattr(render_module, "ir_comment_header",
                        lambda ir, d: real(ir, d) + "defaultPipelineRoot: s3://attacker/\n")
    with pytest.raises(ValueError, match=r"pipeline\.yaml is refused: it does not parse back"):
        render(build_specs.small())
