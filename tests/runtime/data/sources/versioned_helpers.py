"""Helpers of the versioned-source tests (a uniquely named module: a test module importing
``conftest`` would get whichever conftest was imported first in a whole-suite run)."""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[4]


def git_repo(path: Path) -> Path:
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    return path


def versioned_spec(tmp: Path, source: dict[str, Any], name: str = "spec", **gate: Any) -> Path:
    """specs/ideko.yaml reading ``source``: one small model, one epoch, no HPO, a gate
    sized for 24 series (``gate`` overrides it). The training logs no MLflow run (tracking
    is tested in tests/runtime/steps/test_steps_register.py and in tests/local/runner's
    ideko run; here it would only add the creation of an MLflow store)."""
    spec = yaml.safe_load((ROOT / "specs" / "ideko.yaml").read_text())
    spec["data"]["source"] = source
    spec["data"]["quality_gate"].update({"min_series": 10, "min_per_class": 3, **gate})
    spec["registry"] = {"uri": str(tmp / "registry"), "tracking": False}
    for key, model in spec["models"].items():
        model["training_parameters"]["epochs"] = 1
        model.pop("hpo", None)
        model["enabled"] = key == "NeuralNetwork"
    path = tmp / f"{name}.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


@functools.cache
def _compiled(spec: Path) -> Any:
    from ideko.cli.run_spec import compile_spec_file
    from ideko.local.runner.ir import parse_pipeline

    return parse_pipeline(compile_spec_file(spec).pipeline_text, str(spec))


def run_spec(spec: Path, run_root: Path, launcher: str = "warm", **parameters: Any) -> Any:
    """Run ``spec`` (compiled in memory once) with the local runner, as ``ideko run`` does.

    ``launcher="process"`` (``ideko run --launcher process``) for a run that stops at the
    gate: the warm launcher would start a server importing TensorFlow in the background
    for the trainings that are then skipped. (A run where only the uncached register
    runs starts no server either way: it is the last task to start.)
    """
    from ideko.local.progress import LineProgress
    from ideko.local.runner.run import LocalRunner, RunOptions

    pipeline = _compiled(spec)
    options = RunOptions(run_root=run_root, parameters=dict(parameters), launcher=launcher)
    return LocalRunner(options, LineProgress()).run(pipeline)


def artifact_file(result: Any, task: str, name: str) -> Path:
    return Path(result.records[task].outputs.artifacts[name].uri)


def data_version(result: Any) -> dict[str, Any]:
    """The ``data_version`` the run's preprocess step recorded in the dataset metadata."""
    import json

    return json.loads(artifact_file(result, "preprocess", "dataset_metadata").read_text())[
        "data_version"
    ]


def preprocess_again(result: Any, uri: str, ref: str, folder: Path) -> dict[str, str]:
    """Preprocess ``ref`` of ``uri`` afresh (no cache) with ``result``'s data config, its
    seed 2, into ``folder``; the output paths, and they hold the same arrays as the run's."""
    import json

    import numpy as np
    from ideko.runtime.steps.preprocess import run

    config = json.loads(artifact_file(result, "preprocess", "dataset_metadata").read_text())
    paths = {k: str(folder / k) for k in ("train", "test", "meta", "report")}
    run(
        data_uri=uri,
        data_ref=ref,
        data_config=config["data_config"],
        seed=2,
        train_data=paths["train"],
        test_data=paths["test"],
        metadata=paths["meta"],
        report=paths["report"],
    )
    for side, name in (("train", "train_data"), ("test", "test_data")):
        recorded = artifact_file(result, "preprocess", name)
        with np.load(paths[side]) as fresh, np.load(recorded) as old:
            assert fresh["X"].tobytes() == old["X"].tobytes(), f"{name}: X differs"
            assert fresh["y"].tobytes() == old["y"].tobytes(), f"{name}: y differs"
    return paths
