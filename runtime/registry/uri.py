"""Which backend a registry URI names, and where an embedded MLflow store keeps its files.

- a plain path or ``file://`` URI: the embedded MLflow registry in that folder
  (``<folder>/mlflow.db`` for the SQLite store, ``<folder>/artifacts`` for the files); the
  spec's historic ``registry.uri: registry`` keeps meaning "the folder ``registry``";
- ``sqlite:///path.db``: that MLflow store, files in ``artifacts/`` beside it;
- ``http(s)://host:port``: an MLflow tracking server (``backend=mlflow``, the default) or a
  Kubeflow Model Registry (``backend=kubeflow``); ``kubeflow+http(s)://`` names the latter
  without a separate backend.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from ideko.runtime.registry.base import RegistryError
from ideko.schema.registry import BACKENDS, KUBEFLOW, MLFLOW, STORE_FILE

KUBEFLOW_PREFIX = "kubeflow+"
REMOTE_SCHEMES = ("http", "https")


@dataclass(frozen=True)
class RegistryLocation:
    """A parsed registry URI: the backend and how to reach it."""

    backend: str  # mlflow | kubeflow
    uri: str  # as given (what errors and lineage name)
    tracking_uri: str  # MLflow tracking URI, or the http(s) base of the Model Registry
    artifact_root: Path | None  # embedded store only: where version files are kept

    @property
    def embedded(self) -> bool:
        return self.artifact_root is not None


def parse_location(uri: str, backend: str | None = None) -> RegistryLocation:
    """The backend and address of ``uri``; :class:`RegistryError` for one no backend reads."""
    text = uri.strip()
    if not text:
        raise RegistryError("registry URI is empty")
    if text.startswith(KUBEFLOW_PREFIX):
        if backend not in (None, KUBEFLOW):
            raise RegistryError(f"registry {uri!r} is a Kubeflow Model Registry, not {backend}")
        text, backend = text.removeprefix(KUBEFLOW_PREFIX), KUBEFLOW
    backend = backend or MLFLOW
    if backend not in BACKENDS:
        raise RegistryError(f"registry backend {backend!r}: use one of {', '.join(BACKENDS)}")
    parsed = urlparse(text)
    scheme = parsed.scheme if len(parsed.scheme) > 1 else ""
    if backend == KUBEFLOW:
        if scheme not in REMOTE_SCHEMES or not parsed.hostname:
            raise RegistryError(
                f"registry {uri!r}: the Kubeflow Model Registry is reached over "
                "http(s)://host:port"
            )
        return RegistryLocation(KUBEFLOW, uri, text.rstrip("/"), None)
    if scheme in REMOTE_SCHEMES:
        return RegistryLocation(MLFLOW, uri, text.rstrip("/"), None)
    if scheme == "sqlite":
        db = Path(unquote(text.removeprefix("sqlite:///"))).resolve()
        return RegistryLocation(MLFLOW, uri, f"sqlite:///{db}", db.parent / "artifacts")
    if scheme in ("", "file"):
        folder = (Path(unquote(parsed.path)) if scheme == "file" else Path(text)).resolve()
        return RegistryLocation(
            MLFLOW, uri, f"sqlite:///{folder / STORE_FILE}", folder / "artifacts"
        )
    raise RegistryError(
        f"registry {uri!r}: scheme {scheme}:// is no registry; use a folder, sqlite:///…, "
        "or an http(s):// MLflow server / Kubeflow Model Registry"
    )


def check_reachable(location: RegistryLocation, timeout: float = 5.0) -> None:
    """Fail fast, naming the URI, when a remote registry's port does not answer.

    MLflow's REST client retries a refused connection for minutes; one TCP connect tells
    the user at once (the pipeline's retry policy then retries the register task).
    """
    if location.embedded:
        return
    parsed = urlparse(location.tracking_uri)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        with socket.create_connection((parsed.hostname or "", port), timeout=timeout):
            return
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise RegistryError(
            f"registry {location.uri} is unreachable ({location.backend} at "
            f"{parsed.hostname}:{port}: {reason})"
        ) from exc
