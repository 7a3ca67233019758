"""Equivalence: the per-step path through files gives the metrics of `ideko baseline`.

Both sides run as separate processes, as they do for real: `ideko baseline` trains every model
in one process; the step path runs the preprocess step's CLI, then one `train` and one
`evaluate` process per model, exchanging only the .npz splits and model directories.

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

MODELS_YAML = """\
NeuralNetwork:
  enabled: true
  name_parameters: {folder_name: neural_network, model_name: model_nn.keras}
  model_parameters: {activation_function: relu, units: [8, 4]}
  training_parameters: {epochs: 5, batch_size: 8}
CNN:
  enabled: false
  name_parameters: {folder_name: cnn, model_name: model_cnn.keras}
  model_parameters: {activation_function: relu, filters: [4], kernel_size: 3, pool_size: 2}
  training_parameters: {epochs: 5, batch_size: 8}
LSTM:
  enabled: true
  name_parameters: {folder_name: lstm, model_name: model_lstm.keras}
  model_parameters: {activation_function: tanh, hidden_units: [6, 4]}
  training_parameters: {epochs: 5, batch_size: 8}
"""
ENV = {**os.environ, "IDEKO_NUM_THREADS": "1", "TF_CPP_MIN_LOG_LEVEL": "2"}
SEED = 2
EPOCHS = 2


def run(*args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, env=ENV, timeout=600
    )
    assert proc.returncode == 0, proc.stderr
    return proc


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
    baseline = run("-m", "ideko.cli.main", "baseline", "--data", str(raw_data),
        "--models", str(models_file), "--seed", str(SEED), "--epochs-override", str(EPOCHS),
        "--out", str(base))  # fmt: skip
    summary = json.loads((base / "summary.json").read_text())
    assert "data quality: PASS" in baseline.stderr  # the data findings are printed
    assert "validation: " in baseline.stderr

    # Step path: preprocess writes the splits, each model trains and evaluates in its own process.
    steps = tmp_path / "steps"
    data_config["split"]["seed"] = SEED
    _preprocess(raw_data, data_config, steps)
    assert fingerprint(steps / "train.npz") == summary["data_fingerprint"]["train"]
    assert fingerprint(steps / "test.npz") == summary["data_fingerprint"]["test"]

    configs = [c for c, enabled in model_configs(yaml.safe_load(MODELS_YAML)) if enabled]
    assert sorted(c["name"] for c in configs) == sorted(summary["models"])
    for config in configs:
        folder = config["name_parameters"]["folder_name"]
        run("-m", "ideko.runtime.steps.train", "--model-config", json.dumps(config),
            "--set", f"training_parameters.epochs={EPOCHS}", "--seed", str(SEED),
            "--train-data", str(steps / "train.npz"), "--output", str(steps / folder))  # fmt: skip
        run("-m", "ideko.runtime.steps.evaluate", "--model-config", json.dumps(config),
            "--model", str(steps / folder), "--train-data", str(steps / "train.npz"),
            "--test-data", str(steps / "test.npz"), "--metadata", str(steps / "metadata.json"),
            "--output", str(steps / f"{folder}.json"))  # fmt: skip
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


def _preprocess(raw: Path, data_config: dict, out: Path) -> None:
    """The preprocess step's CLI, in its own process, writing the files the steps exchange."""
    out.mkdir(parents=True, exist_ok=True)
    run("-m", "ideko.runtime.steps.preprocess", "--data-uri", str(raw),
        "--data-config", json.dumps(data_config), "--seed", str(SEED),
        "--train-data", str(out / "train.npz"), "--test-data", str(out / "test.npz"),
        "--metadata", str(out / "metadata.json"), "--report", str(out / "quality.md"))  # fmt: skip
