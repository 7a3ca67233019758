"""One packaged model and ONE model server for every serving test (the suite budget).

``package`` runs the real steps in-process on the tiny synthetic tree: preprocess (with
standard scaling and pre-padding, so the server's transforms are not the defaults), train a
one-epoch dense model, evaluate, compare (which packages the winner). ``server`` registers
that package with the register step in an embedded MLflow registry and starts ``ideko serve
NAME@champion`` once per session — KServe's own ModelServer in its own process, on a free
loopback port — and every HTTP test talks to it (one server: the suite budget; the
``--model-dir`` path is the same load after resolution, compared in-process).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from ideko.schema.registry import STORE_FILE
from serving_fixtures import MODEL_NAME, SEED, SERVE_CONFIG, Packaged, Server, free_port


@pytest.fixture(scope="session")
def package(raw_data, tmp_path_factory) -> Packaged:
    from ideko.runtime.data.dataset_io import save_dataset, save_metadata
    from ideko.runtime.data.prepare import prepare
    from ideko.runtime.steps import compare, evaluate, train

    work = tmp_path_factory.mktemp("serving")
    train_set, test_set, metadata, _ = prepare(raw_data, SERVE_CONFIG, SEED)
    save_dataset(work / "train.npz", train_set)
    save_dataset(work / "test.npz", test_set)
    save_metadata(work / "metadata.json", metadata)
    config = {
        "name": "dense-model",
        "architecture": "dense",
        "name_parameters": {"folder_name": "dense", "model_name": "model_dense.keras"},
        "model_parameters": {"activation_function": "relu", "units": [8, 4]},
        "training_parameters": {"epochs": 1, "batch_size": 8},
    }
    train.run(config, work / "train.npz", SEED, work / "model", padding_value=-1.0,
              emit_metrics=False)
    evaluate.run(config, work / "model", work / "train.npz", work / "test.npz",
                 work / "evaluation.json")
    compare.run(
        {"criteria": [{"metric": "accuracy", "weight": 1.0, "goal": "maximize"}]},
        {},
        {"dense-model": work / "evaluation.json"},
        {"dense-model": work / "model"},
        work / "report.html",
        work / "best_model",
        dataset_metadata=work / "metadata.json",
    )
    evaluation = json.loads((work / "evaluation.json").read_text(encoding="utf-8"))
    return Packaged(raw_data, work / "best_model", work / "train.npz", work / "test.npz",
                    evaluation)


@contextmanager
def _started(command: list[str], log_dir: Path) -> Iterator[subprocess.Popen]:
    """Run a model server command until it is ready; stop it afterwards."""
    log = (log_dir / "server.log").open("w")
    env = {**os.environ, "IDEKO_NUM_THREADS": "1", "TF_CPP_MIN_LOG_LEVEL": "2"}
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{command[command.index('--port') + 1]}"
    deadline = time.monotonic() + 120
    try:
        while True:
            if process.poll() is not None:
                log.flush()
                raise RuntimeError(f"model server exited: {Path(log.name).read_text()}")
            try:
                if Server(url, log_dir, process, "").request("GET", "/v2/health/ready")[0] == 200:
                    break
            except (urllib.error.URLError, ConnectionError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"model server not ready: {Path(log.name).read_text()}")
            time.sleep(0.25)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="session")
def server(package, store_template, tmp_path_factory) -> Iterator[Server]:
    """``ideko serve NAME@champion`` on an embedded MLflow registry whose version 1 is the
    compare step's package, registered by the real register step (so it is champion)."""
    from ideko.runtime.registry import open_registry
    from ideko.runtime.steps import register

    folder = tmp_path_factory.mktemp("registry")
    shutil.copy(store_template, folder / STORE_FILE)
    rule = {"backend": "mlflow",
            "promotion": {"metric": "accuracy", "threshold": 0.0, "margin": 0.0}}
    metadata = package.train.parent / "metadata.json"
    registered = register.run(MODEL_NAME, str(folder), package.model_dir, rule, package.test,
                              metadata)
    assert (registered["version"], registered["alias"]) == ("1", "champion"), registered
    registry = open_registry(str(folder))
    files = registry.verified_files(registry.resolve(MODEL_NAME, "1"))
    port = free_port()
    ideko = str(Path(sys.executable).parent / "ideko")
    command = [ideko, "serve", f"{MODEL_NAME}@champion", "--registry", str(folder),
               "--port", str(port)]
    with _started(command, tmp_path_factory.mktemp("server-log")) as process:
        yield Server(f"http://127.0.0.1:{port}", files, process, str(folder))
