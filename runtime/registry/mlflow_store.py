"""Opening an MLflow store: one client per process, a quiet log, a safe first start.

The registry backend and the training steps' tracking both come through here. A fresh
SQLite store runs MLflow's schema migrations as soon as a client is made (MLflow resolves
the store in ``MlflowClient()``); parallel training tasks opening the same new store at once
would race on them and leave it half-migrated, so making an embedded store's client holds a
file lock beside it.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ideko.runtime.registry.uri import RegistryLocation

DEFAULT_EXPERIMENT = "ideko"


def quiet_mlflow() -> None:
    """MLflow logs every migration at INFO and retries a dead server for minutes."""
    for name in ("alembic", "mlflow", "mlflow.store.db.utils"):
        logging.getLogger(name).setLevel(logging.WARNING)
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "2")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "30")


@contextlib.contextmanager
def store_lock(location: RegistryLocation, name: str = ".init.lock") -> Iterator[None]:
    """An exclusive lock beside an embedded store (none for a server)."""
    if location.artifact_root is None:
        yield
        return
    folder = location.artifact_root.parent
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / name, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def open_client(location: RegistryLocation) -> Any:
    """An ``MlflowClient`` for the store, its schema created or upgraded once."""
    quiet_mlflow()
    from mlflow import MlflowClient

    if location.artifact_root is None:
        return MlflowClient(location.tracking_uri, location.tracking_uri)
    location.artifact_root.mkdir(parents=True, exist_ok=True)
    with store_lock(location):  # making the client creates / migrates the SQLite schema
        client = MlflowClient(location.tracking_uri, location.tracking_uri)
        client.search_registered_models(max_results=1)  # and the registry's store, lazily made
    return client


def ensure_experiment(client: Any, name: str, location: RegistryLocation) -> str:
    """The id of experiment ``name``, made (files under the store's folder) if missing."""
    from mlflow.exceptions import MlflowException

    found = client.get_experiment_by_name(name)
    if found is not None:
        return str(found.experiment_id)
    artifacts = None
    if location.artifact_root is not None:
        artifacts = Path(location.artifact_root).resolve().as_uri()
    try:
        return str(client.create_experiment(name, artifact_location=artifacts))
    except MlflowException:  # made by a concurrent task meanwhile
        found = client.get_experiment_by_name(name)
        if found is None:
            raise
        return str(found.experiment_id)
