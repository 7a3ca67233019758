"""Loading IR: nodes and nesting of a compiled DSL pipeline, and clear errors for bad files."""

from __future__ import annotations

from pathlib import Path

import pytest
from ideko.local.runner.errors import RunnerError
from ideko.local.runner.ir import load_pipeline


def test_nested_conditions_become_path_addressed_nodes(compiled):
    pipeline = load_pipeline(compiled["fan"])
    assert pipeline.name == "fan"
    assert set(pipeline.root_inputs) == {"n"}
    dag = pipeline.nodes["condition-1"]
    assert dag.is_dag and "PASS" in (dag.condition or "")
    assert dag.display_name == "quality-gate"
    inner = {p for p in pipeline.nodes if p.startswith("condition-1/")}
    assert "condition-1/train-model" in inner
    assert "condition-1/condition-2/evaluate-model-3" in inner
    order = list(pipeline.nodes)
    for path, node in pipeline.nodes.items():
        for dep in node.deps:
            assert order.index(dep) < order.index(path)
        if node.parent:
            assert order.index(node.parent) < order.index(path)


def test_bad_files_are_clear_errors(tmp_path: Path, compiled):
    with pytest.raises(RunnerError, match="cannot read"):
        load_pipeline(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: [1,\n")
    with pytest.raises(RunnerError, match="not valid YAML"):
        load_pipeline(bad)
    bad.write_text("apiVersion: ideko.dev/v1\nmodels: {}\n")
    with pytest.raises(RunnerError, match="nor a compiled KFP pipeline"):
        load_pipeline(bad)
    text = compiled["fan"].read_text().replace("schemaVersion: 2.1.0", "schemaVersion: [2]")
    bad.write_text(text)
    with pytest.raises(RunnerError, match="not a valid KFP PipelineSpec"):
        load_pipeline(bad)
    cyclic = (
        compiled["threads"]
        .read_text()
        .replace(
            "      threads-seen:\n",
            "      threads-seen:\n        dependentTasks: [threads-seen-2]\n",
        )
        .replace(
            "      threads-seen-2:\n",
            "      threads-seen-2:\n        dependentTasks: [threads-seen]\n",
        )
    )
    bad.write_text(cyclic)
    with pytest.raises(RunnerError, match="cycle"):
        load_pipeline(bad)


def test_critical_path_prefers_long_chains(compiled):
    from ideko.local.runner.ir import critical_path_lengths

    lengths = critical_path_lengths(load_pipeline(compiled["fan"]))
    # make -> train -> evaluate -> pick -> gated evaluate: five tasks on the longest chain
    assert lengths["make-data"] == 5
    assert lengths["condition-1/train-model"] == 4
    assert lengths["condition-1/pick-best"] == 2
    assert lengths["condition-1/condition-2/evaluate-model-3"] == 1
    resumable = critical_path_lengths(load_pipeline(compiled["resumable"]))
    assert resumable == {"make-data": 3, "sleeper": 2, "train-model": 1}
