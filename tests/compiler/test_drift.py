"""Drift check: what a spec renders to against what is on disk, as unified diffs."""

from __future__ import annotations

import build_specs
from ideko.compiler.drift import diff_trees
from ideko.compiler.render import render
from ideko.compiler.write import read_tree, write_tree


def test_read_tree_and_diff_report_changed_missing_and_extra(tmp_path):
    files = render(build_specs.full())
    write_tree(tmp_path, files)
    assert diff_trees(files, read_tree(tmp_path, files)) == []
    root = tmp_path / "ideko-anomaly-classification"
    pipeline = root / "pipeline.yaml"
    pipeline.write_text(pipeline.read_text().replace("maxRetryCount: 2", "maxRetryCount: 5"))
    (root / "katib" / "rbac.yaml").unlink()
    (root / "katib" / "old-model.yaml").write_text("kind: Experiment\n")
    diffs = diff_trees(files, read_tree(tmp_path, files))
    assert len(diffs) == 3
    text = "".join(diffs)
    assert "-            maxRetryCount: 5" in text and "+            maxRetryCount: 2" in text
    assert "--- /dev/null\n+++ b/ideko-anomaly-classification/katib/rbac.yaml" in text
    assert "--- a/ideko-anomaly-classification/katib/old-model.yaml\n+++ /dev/null" in text


def test_diff_handles_missing_final_newline():
    diffs = diff_trees({"p/x.yaml": "a\n"}, {"p/x.yaml": "a"})
    assert diffs and all(line.endswith("\n") for line in diffs[0].splitlines(keepends=True))
