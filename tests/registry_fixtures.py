"""Registry fixtures (a pytest plugin loaded by tests/conftest.py) shared by
tests/runtime/registry, tests/cli and tests/runtime/steps: a migrated MLflow store made once,
a real ``mlflow server`` on loopback and the Model Registry double, all per session (made only
when a test asks); each test gets fresh, empty copies.

MLflow's first open of a SQLite store runs its schema migrations (seconds of CPU), so one
template store is migrated per session and copied (a file copy) for every test that needs an
empty embedded registry. The server is started once on a free port with its own copy.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from ideko.schema.registry import STORE_FILE
from model_registry_double import ModelRegistryDouble

os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")


@pytest.fixture(scope="session")
def store_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty, migrated MLflow SQLite store (made once)."""
    from ideko.runtime.registry import open_registry

    folder = tmp_path_factory.mktemp("template")
    open_registry(str(folder)).list_models()
    return folder / STORE_FILE


@pytest.fixture
def embedded(tmp_path: Path, store_template: Path) -> str:
    """An empty embedded registry folder (a copy of the template store)."""
    folder = tmp_path / "registry"
    folder.mkdir()
    shutil.copy(store_template, folder / STORE_FILE)
    return str(folder)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory, store_template: Path) -> Iterator[str]:
    """``http://127.0.0.1:PORT`` of a real ``mlflow server`` (SQLite store, proxied artifacts)."""
    folder = tmp_path_factory.mktemp("server")
    shutil.copy(store_template, folder / STORE_FILE)
    port = _free_port()
    command = [
        sys.executable, "-m", "mlflow", "server",
        "--backend-store-uri", f"sqlite:///{folder / STORE_FILE}",
        "--artifacts-destination", str(folder / "artifacts"),
        "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
    ]  # fmt: skip
    log = open(folder / "server.log", "wb")
    # no job runner: it would start seven more interpreters the tests never use
    quiet = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True, cwd=folder, env=quiet)
    uri = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{uri}/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((folder / "server.log").read_text()[-2000:])
            time.sleep(0.3)
        yield uri
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the server and its worker: its own group
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


@pytest.fixture(scope="session")
def _double() -> Iterator[ModelRegistryDouble]:
    with ModelRegistryDouble() as double:
        yield double


@pytest.fixture
def kubeflow(_double: ModelRegistryDouble, monkeypatch: pytest.MonkeyPatch) -> str:
    """An empty Model Registry double; the URI names the backend.

    The official client builds a fresh ``ssl.create_default_context()`` for every request,
    even over plain http where it is never used: loading the system CA bundle each time was
    ~60 ms of CPU per request, most of a kubeflow test. The double speaks http on loopback,
    so no CA is needed: OpenSSL's default bundle is pointed at nothing for the test (and
    the processes it starts).
    """
    monkeypatch.setenv("SSL_CERT_FILE", os.devnull + ".no-ca-bundle")
    monkeypatch.setenv("SSL_CERT_DIR", os.devnull + ".no-ca-dir")
    _double.store.reset()
    return "kubeflow+" + _double.url


@pytest.fixture
def name() -> str:
    """A registered model name no other test uses (the server outlives each test)."""
    import uuid

    return f"ideko-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def model_dir(tmp_path: Path) -> Callable[..., Path]:
    """A model directory as compare writes it: a .keras file and its evaluation.json."""
    made = iter(range(1000))

    def make(accuracy: float = 0.8, macro_f1: float = 0.7, name: str = "lstm") -> Path:
        folder = tmp_path / f"model-{next(made)}"
        folder.mkdir()
        (folder / f"model_{name}.keras").write_bytes(os.urandom(64))
        evaluation = {
            "model_name": name,
            "architecture": name,
            "model_config": {"name": name, "architecture": name},
            "summary": {"accuracy": accuracy, "macro_f1": macro_f1},
            "test": {"confusion_matrix": {"labels": ["a", "b"]}},
            "history": {"val_accuracy": [0.5, accuracy], "val_loss": [1.0, 0.5]},
            "best_epoch": 2,
            "training_time": 1.5,
            "lineage": {"data_fingerprint": "sha256:" + "ab" * 32},
        }
        (folder / "evaluation.json").write_text(json.dumps(evaluation))
        return folder

    return make
