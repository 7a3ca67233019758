"""The real IDEKO pipeline through `ideko run`: tiny synthetic data, one epoch, four models.

Needs every runtime step (preprocess, tune, train, evaluate, compare, register); skipped
while one is missing. Slow-ish: each task process imports TensorFlow.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest
import yaml
from ideko.cli.run_spec import compile_spec_file
from ideko.runtime.runner.lineage import LineageStore
from ideko.runtime.runner.progress import LineProgress
from ideko.runtime.runner.run import LocalRunner, RunOptions, RunResult
from ideko.runtime.runner.runs_view import model_chains
from kfp_local_outputs import comparable, run_with_kfp_local

ROOT = Path(__file__).resolve().parents[3]
STEPS = ("preprocess", "tune", "train", "evaluate", "compare", "register")
MISSING = [s for s in STEPS if importlib.util.find_spec(f"ideko.runtime.steps.{s}") is None]
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(bool(MISSING), reason=f"runtime steps missing: {MISSING}"),
]
MODELS = ("cnn", "lstm", "neural-network", "rnn")


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from ideko.runtime.data.synth import SynthOptions, generate

    out = tmp_path_factory.mktemp("ideko") / "data"
    generate(out, SynthOptions(series=36, days=2, min_length=40, max_length=60))
    return out


def write_spec(tmp: Path, data: Path, name: str, **changes: Any) -> Path:
    """specs/ideko.yaml on tiny data: one epoch, a 1-trial LSTM search, and ``changes``."""
    spec = yaml.safe_load((ROOT / "specs" / "ideko.yaml").read_text())
    spec["data"]["source"] = {"local": {"path": str(data)}}
    spec["data"]["quality_gate"].update(min_series=10, min_per_class=3)
    spec["registry"] = {"uri": str(tmp / "registry")}
    for model in spec["models"].values():
        model["training_parameters"]["epochs"] = 1
        if "hpo" in model:
            model["hpo"]["budget"].update(max_trials=1, parallel_trials=1)
            model["hpo"].pop("early_stopping", None)
    for key, value in changes.items():
        target = spec
        *parents, last = key.split(".")
        for part in parents:
            target = target[part]
        target[last] = value
    path = tmp / f"{name}.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def run_spec(spec: Path, run_root: Path, **options: Any) -> RunResult:
    compiled = compile_spec_file(spec)
    from ideko.runtime.runner.ir import parse_pipeline

    pipeline = parse_pipeline(compiled.pipeline_text, str(spec))
    opts = RunOptions(run_root=run_root, default_parallelism=compiled.parallelism, **options)
    return LocalRunner(opts, LineProgress()).run(pipeline)


def executed(result: RunResult) -> set[str]:
    return {p for p, r in result.records.items() if r.state == "succeeded" and not r.cached}


def test_end_to_end_then_cache_then_one_model_changed(tmp_path: Path, data: Path):
    root = tmp_path / "runs"
    spec = write_spec(tmp_path, data, "spec")
    cold = run_spec(spec, root)
    assert cold.status == "succeeded", cold.failure
    for model in MODELS:
        for step in ("train", "evaluate"):
            assert cold.records[f"condition-1/{step}-{model}"].state == "succeeded"
    compare = cold.records["condition-1/compare-models"]
    assert compare.state == "succeeded"
    assert compare.outputs.parameters["best_model_name"] in {
        m.replace("-", "_") for m in MODELS
    } | set(MODELS)
    assert cold.report is not None and cold.report.read_text().lower().startswith("<!doctype")
    store = LineageStore(root / "lineage.sqlite")
    try:
        chains = {c.trained_by: c for c in model_chains(store, cold.run_id)}
    finally:
        store.close()
    for model in MODELS:
        chain = chains[f"condition-1/train-{model}"]
        assert [p for p, _ in chain.datasets] == ["preprocess"]
        assert any(t == f"condition-1/evaluate-{model}" for t, _ in chain.metrics)
        assert chain.data.get("data_uri") == str(data)

    warm = run_spec(spec, root)
    assert warm.status == "succeeded", warm.failure
    uncached_ok = {"condition-1/condition-2/register-model"}  # caching: false in the spec
    assert executed(warm) <= uncached_ok

    changed = write_spec(tmp_path, data, "changed", **{"models.CNN.training_parameters.epochs": 2})
    third = run_spec(changed, root)
    assert third.status == "succeeded", third.failure
    assert executed(third) - uncached_ok == {
        "condition-1/train-cnn",
        "condition-1/evaluate-cnn",
        "condition-1/compare-models",
    }


def test_quality_fail_skips_training(tmp_path: Path, data: Path):
    spec = write_spec(tmp_path, data, "strict", **{"data.quality_gate.min_series": 100000})
    result = run_spec(spec, tmp_path / "runs")
    assert result.status == "succeeded", result.failure
    assert result.records["preprocess"].outputs.parameters["verdict"] == "FAIL"
    assert all(r.state == "skipped" for p, r in result.records.items() if p != "preprocess")
    assert "verdict='FAIL'" in next(iter(result.skipped_groups.values()))


def test_same_preprocess_outputs_as_kfp_local(tmp_path: Path, data: Path):
    spec = write_spec(tmp_path, data, "spec")
    pipeline = tmp_path / "pipeline.yaml"
    pipeline.write_text(compile_spec_file(spec).pipeline_text)
    reference = run_with_kfp_local(pipeline, tmp_path / "kfp-local")
    ours = LocalRunner(RunOptions(run_root=tmp_path / "runs"), LineProgress()).run(pipeline)
    assert ours.status == "succeeded", ours.failure
    ran = {p.rsplit("/", 1)[-1] for p, r in ours.records.items() if r.state == "succeeded"}
    assert ran == set(reference)
    mine = ours.records["preprocess"].outputs
    assert comparable(reference["preprocess"])["parameters"] == mine.parameters
    ref_digests = {
        name: _digest(tmp_path / "kfp-local", "preprocess", name) for name in mine.artifacts
    }
    assert ref_digests == {name: a.digest for name, a in mine.artifacts.items()}


def _digest(root: Path, task: str, name: str) -> str:
    from ideko.runtime.runner.artifacts import tree_digest

    (path,) = root.glob(f"*/{task}/{name}")
    return tree_digest(path)
