"""Fixtures of the runtime tests: tiny synthetic IDEKO data, prepared splits, model configs.

Shared by ``training/``, ``steps/`` and ``data/`` (which overrides ``data_config`` with a parsed
one). Everything is tiny (24 series of 20-40 steps, 1-2 epochs) so the slow tests stay in CI.
This folder is on ``sys.path`` (pytest's prepend import mode), so tests import
``datatree_helpers`` by name.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from datatree_helpers import write_series
from ideko.runtime.baseline import data_config

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("IDEKO_NUM_THREADS", "1")

SEED = 2
TINY_SYNTH = {"series": 24, "min_length": 20, "max_length": 40, "days": 2, "seed": 3}
DATA_CONFIG = data_config(["f3", "f4", "f5"], SEED)

PARAMETERS = {
    "dense": {"activation_function": "relu", "units": [8, 4]},
    "cnn": {"activation_function": "relu", "filters": [4, 8], "kernel_size": 3, "pool_size": 2},
    "rnn": {"activation_function": "tanh", "hidden_units": [6, 4]},
    "lstm": {"activation_function": "tanh", "hidden_units": [6, 4]},
    "gru": {"activation_function": "tanh", "hidden_units": [6]},
    "fcn": {"filters": [4, 8], "kernel_sizes": [5, 3]},
    "resnet": {"filters": [4, 6], "kernel_sizes": [5, 3]},
    "inception": {"filters": [4, 4, 4], "kernel_sizes": [5, 3], "bottleneck_size": 4},
}


def model_config(arch: str, epochs: int = 1, **model_parameters) -> dict:
    """A hand-written model_config (defaults left to the runtime)."""
    return {
        "name": f"{arch}-model",
        "architecture": arch,
        "name_parameters": {"folder_name": arch, "model_name": f"model_{arch}.keras"},
        "model_parameters": {**PARAMETERS[arch], **model_parameters},
        "training_parameters": {"epochs": epochs, "batch_size": 8},
    }


@pytest.fixture(scope="session")
def raw_data(tmp_path_factory) -> Path:
    """A tiny synthetic tree in IDEKO's layout, written by the data layer's generator."""
    from ideko.runtime.data.synth import SynthOptions, generate

    root = tmp_path_factory.mktemp("raw") / "data"
    generate(root, SynthOptions(**TINY_SYNTH))
    return root


@pytest.fixture(scope="session")
def splits(raw_data, tmp_path_factory) -> dict[str, Path]:
    """train.npz / test.npz written the way the preprocess step writes them."""
    from ideko.runtime.data.dataset_io import save_dataset
    from ideko.runtime.data.prepare import prepare

    train, test, _metadata, _report = prepare(raw_data, DATA_CONFIG, SEED)
    folder = tmp_path_factory.mktemp("splits")
    save_dataset(folder / "train.npz", train)
    save_dataset(folder / "test.npz", test)
    return {"train": folder / "train.npz", "test": folder / "test.npz"}


@pytest.fixture
def tiny_arrays():
    """24 x 30 x 3 float32 series, padded with zeros after step 20, one-hot y over 3 classes."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(24, 30, 3)).astype("float32")
    x[:, 20:, :] = 0.0
    y = np.eye(3, dtype="float32")[np.arange(24) % 3]
    return x, y


@pytest.fixture(scope="session")
def make_config():
    """The :func:`model_config` factory (fixtures avoid importing conftest by name)."""
    return model_config


@pytest.fixture
def data_config():
    return dict(DATA_CONFIG)


@pytest.fixture
def good_tree(tmp_path) -> Path:
    """3 classes x 2 days x 2 series, lengths 5..16."""
    root = tmp_path / "data"
    seed = 0
    for folder in ("not_anomalous", "mechanical_anomalies", "electrical_anomalies"):
        for day in ("2024-03-01", "2024-03-02"):
            for i in range(2):
                seed += 1
                write_series(root, folder, day, f"s{i}", 4 + seed % 13, seed)
    return root
