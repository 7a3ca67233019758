"""The warm-server set-up of tracking: MLflow's client is imported only for a tracked step."""

import json
import os
import subprocess
import sys

from ideko.runtime.training import tracking
from ideko.schema.env import MLFLOW_TRACKING_URI, TRACKING_URI

PROBE = """
import json, sys
from ideko.runtime.training import tracking
tracking.preload()
print(json.dumps({name: name in sys.modules for name in sys.argv[1:]}))
"""


def test_preload_imports_the_client_only_when_tracking_is_configured(tmp_path, monkeypatch):
    calls: list[bool] = []
    monkeypatch.setattr(tracking, "import_client", lambda embedded=True: calls.append(embedded))
    monkeypatch.delenv(TRACKING_URI, raising=False)
    monkeypatch.delenv(MLFLOW_TRACKING_URI, raising=False)
    tracking.preload()
    assert calls == []  # untracked: a server that never logs does not pay for MLflow
    monkeypatch.setenv(TRACKING_URI, str(tmp_path / "registry"))
    tracking.preload()
    monkeypatch.setenv(MLFLOW_TRACKING_URI, "http://mlflow.example:5000")  # wins, as in _log
    tracking.preload()
    assert calls == [True, False]  # a server needs the client, not SQLAlchemy's stores


def test_the_embedded_stores_modules_are_imported_and_no_store_is_opened(tmp_path):
    modules = [*tracking.CLIENT_MODULES, *tracking.EMBEDDED_STORE_MODULES]
    env = {k: v for k, v in os.environ.items() if k != MLFLOW_TRACKING_URI}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *modules],
        env={**env, TRACKING_URI: str(tmp_path / "registry")},
        capture_output=True, text=True, timeout=120, check=True,
    )
    assert json.loads(done.stdout) == dict.fromkeys(modules, True)
    assert not (tmp_path / "registry").exists()
