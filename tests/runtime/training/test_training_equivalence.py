"""Equivalence: the per-step path through files gives the metrics of `ideko baseline`.

Both sides run as separate processes, as they do for real: `ideko baseline` (the original
script's path) trains every model in one process of its own; the step path runs the
preprocess step's CLI, then one `train` and one `evaluate` process per model, exchanging only
the .npz splits and model directories. Every one of these processes is a fork of one warm
interpreter, as `ideko run`'s default launcher starts its tasks (the fork server's own child
set-up, `ideko.local.launch.fork_server.child`, after the train step's WARM_IMPORTS; nothing
but imports is shared: TensorFlow's runtime starts in each child): each still gets its own
process and shares only files with the next, and the interpreter start and TensorFlow import
are paid once instead of six times. That a fork computes exactly what a fresh interpreter
does is tested in tests/local/launch/test_launch_trials.py.

Tolerances: preprocessing must be bit-identical (same sha256 of X and y). Training uses the same
seed, `enable_op_determinism()` and the same thread count (IDEKO_NUM_THREADS=1), which makes
TensorFlow's CPU kernels reproducible, so predictions — hence accuracy, F1 and confusion
matrices — must be identical; losses are compared at 1e-6 relative, leaving room only for
last-bit float differences should a kernel choose another reduction order.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

# Two models (the second trains after the first in the baseline's one process: seeds are
# reset per model) and a disabled one; the cheapest pair to trace (an LSTM costs twice a CNN).
MODELS_YAML = """\
NeuralNetwork:
  enabled: true
  name_parameters: {folder_name: neural_network, model_name: model_nn.keras}
  model_parameters: {activation_function: relu, units: [8, 4]}
  training_parameters: {epochs: 5, batch_size: 8}
CNN:
  enabled: true
  name_parameters: {folder_name: cnn, model_name: model_cnn.keras}
  model_parameters: {activation_function: relu, filters: [4], kernel_size: 3, pool_size: 2}
  training_parameters: {epochs: 5, batch_size: 8}
LSTM:
  enabled: false
  name_parameters: {folder_name: lstm, model_name: model_lstm.keras}
  model_parameters: {activation_function: tanh, hidden_units: [6, 4]}
  training_parameters: {epochs: 5, batch_size: 8}
"""
ENV = {**os.environ, "IDEKO_NUM_THREADS": "1", "TF_CPP_MIN_LOG_LEVEL": "2"}
SEED = 2
EPOCHS = 2


STEP_TIMEOUT = 600  # seconds per process (a hang guard, not a speed check)


def run(*args: str, timeout: float = STEP_TIMEOUT) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, env=ENV, timeout=timeout
    )
    assert proc.returncode == 0, proc.stderr
    return proc


# One warm interpreter: the train step's warm set-up, then each step (module, argv) as a fork
# running `python -m module argv` through the fork server's child code; a failing step stops
# the driver with its exit code and output.
STEP_DRIVER = """
import json, os, sys
from ideko.local.launch import fork_server
from ideko.local.launch.warm_server import warm_plan

plan = warm_plan([sys.executable, "-m", "ideko.runtime.steps.train"], {})
done, failed = fork_server.preload([*plan.imports, plan.module])
assert not failed, failed
for index, (module, args) in enumerate(json.loads(sys.argv[1])):
    log_path = os.path.join(sys.argv[2], f"{index}.log")
    with open(log_path, "wb") as log:
        pid = os.fork()
        if pid == 0:
            request = {"module": module, "args": args, "env": dict(os.environ), "cwd": os.getcwd()}
            fork_server.child(request, log.fileno(), [], os.getppid())  # dies with the driver
    code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    if code != 0:
        sys.stderr.write(f"{module} exited {code}:\\n" + open(log_path).read())
        sys.exit(1)
"""


def run_steps(steps: list[tuple[str, list[str]]], log_dir: Path) -> list[str]:
    """Run each ``python -m module args`` as its own fork of one warm interpreter, in order;
    each process's output (stdout and stderr), by step."""
    log_dir.mkdir(parents=True, exist_ok=True)
    run("-c", STEP_DRIVER, json.dumps(steps), str(log_dir), timeout=STEP_TIMEOUT * len(steps))
    return [(log_dir / f"{index}.log").read_text() for index in range(len(steps))]


def fingerprint(path: Path) -> str:
    from ideko.runtime.baseline import array_fingerprint
    from ideko.runtime.data.dataset_io import load_dataset

    return array_fingerprint(load_dataset(path))


@pytest.mark.slow
def test_step_path_matches_baseline(raw_data, data_config, tmp_path):
    import yaml
    from ideko.runtime.training.models_yaml import model_configs

    models_file = tmp_path / "models.yaml"
    models_file.write_text(MODELS_YAML)
    base = tmp_path / "baseline"
    baseline = ("ideko.cli.main", ["baseline", "--data", str(raw_data),
        "--models", str(models_file), "--seed", str(SEED), "--epochs-override", str(EPOCHS),
        "--out", str(base)])  # fmt: skip

    # Step path: preprocess writes the splits, each model trains and evaluates in its own process.
    steps = tmp_path / "steps"
    steps.mkdir()
    data_config["split"]["seed"] = SEED
    configs = [c for c, enabled in model_configs(yaml.safe_load(MODELS_YAML)) if enabled]
    commands = [baseline, _preprocess(raw_data, data_config, steps)]
    for config in configs:
        folder = config["name_parameters"]["folder_name"]
        commands.append(("ideko.runtime.steps.train", [
            "--model-config", json.dumps(config),
            "--set", f"training_parameters.epochs={EPOCHS}", "--seed", str(SEED),
            "--train-data", str(steps / "train.npz"),
            "--output", str(steps / folder)]))  # fmt: skip
        commands.append(("ideko.runtime.steps.evaluate", [
            "--model-config", json.dumps(config),
            "--model", str(steps / folder), "--train-data", str(steps / "train.npz"),
            "--test-data", str(steps / "test.npz"), "--metadata", str(steps / "metadata.json"),
            "--output", str(steps / f"{folder}.json")]))  # fmt: skip
    baseline_output = run_steps(commands, tmp_path / "step-logs")[0]
    summary = json.loads((base / "summary.json").read_text())
    assert "data quality: PASS" in baseline_output  # the data findings are printed
    assert "validation: " in baseline_output
    assert sorted(c["name"] for c in configs) == sorted(summary["models"])
    assert fingerprint(steps / "train.npz") == summary["data_fingerprint"]["train"]
    assert fingerprint(steps / "test.npz") == summary["data_fingerprint"]["test"]

    for config in configs:
        folder = config["name_parameters"]["folder_name"]
        ours = json.loads((steps / f"{folder}.json").read_text())
        assert ours["data_quality"]["validation"]["resolved"] == "tail"  # random: the original
        theirs = json.loads((base / "metrics" / f"{folder}.json").read_text())
        for part in ("test", "whole_dataset"):
            assert ours[part]["confusion_matrix"] == theirs[part]["confusion_matrix"], folder
            assert ours[part]["per_class"] == theirs[part]["per_class"], folder
            for key in ("accuracy", "macro_precision", "macro_recall", "macro_f1"):
                assert ours[part][key] == theirs[part][key], (folder, part, key)
        for key, values in theirs["history"].items():
            np.testing.assert_allclose(ours["history"][key], values, rtol=1e-6, err_msg=key)
        assert ours["best_epoch"] == theirs["best_epoch"]
        assert ours["model_size_bytes"] == pytest.approx(theirs["model_size_bytes"], rel=0.05)


def _preprocess(raw: Path, data_config: dict, out: Path) -> tuple[str, list[str]]:
    """The preprocess step's CLI (module, argv), writing the files the steps exchange."""
    return ("ideko.runtime.steps.preprocess", [
        "--data-uri", str(raw), "--data-config", json.dumps(data_config), "--seed", str(SEED),
        "--train-data", str(out / "train.npz"), "--test-data", str(out / "test.npz"),
        "--metadata", str(out / "metadata.json"), "--report", str(out / "quality.md")])  # fmt: skip
