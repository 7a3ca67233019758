"""The MLflow backend: registered models, versions, aliases and tags in an MLflow store.

The embedded default is a SQLite store in the project (no server); any tracking server URI
works the same through MLflow's REST client. A version's files are logged as artifacts of
an MLflow run (the cluster plugin's ``MLFLOW_RUN_ID`` when set, else a run made here) and
the version's ``source`` points at them; reading a version back downloads remote artifacts
into a local cache and verifies their checksum.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ideko.runtime.registry.base import (
    ModelVersion,
    RegisteredModel,
    Registry,
    RegistryError,
)
from ideko.runtime.registry.mlflow_store import ensure_experiment, open_client
from ideko.runtime.registry.uri import RegistryLocation
from ideko.schema import env

EXPERIMENT = "ideko-registry"  # where register runs go when no experiment is configured
ARTIFACT_PATH = "model"


def _iso(millis: int | None) -> str:
    if not millis:
        return ""
    return datetime.fromtimestamp(millis / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class MlflowRegistry(Registry):
    """:class:`Registry` over ``mlflow.MlflowClient``."""

    backend = "mlflow"

    def __init__(self, location: RegistryLocation) -> None:
        self.location = location
        self.uri = location.uri
        self.client = self._call("opening the store", open_client, location)
        self._cache = Path(tempfile.gettempdir()) / "ideko-registry-cache"

    # ---- errors -------------------------------------------------------------------------
    def _call(self, what: str, func: Any, *args: Any, **kwargs: Any) -> Any:
        from mlflow.exceptions import MlflowException

        try:
            return func(*args, **kwargs)
        except MlflowException as exc:
            code = getattr(exc, "error_code", "")
            if code == "RESOURCE_DOES_NOT_EXIST":
                raise RegistryError(f"{self.uri}: {what} does not exist") from exc
            message = str(exc).splitlines()[0] if str(exc) else code
            raise RegistryError(f"{self.uri}: {what}: {message}") from exc

    # ---- reads ----------------------------------------------------------------------------
    def list_models(self) -> list[RegisteredModel]:
        found = self._call("registered models", self.client.search_registered_models)
        models = [self._model(m) for m in found]
        return sorted(models, key=lambda m: m.name)

    def get_model(self, name: str) -> RegisteredModel:
        model = self._call(f"model {name!r}", self.client.get_registered_model, name)
        return self._model(model)

    def _model(self, model: Any) -> RegisteredModel:
        latest = [int(v.version) for v in (model.latest_versions or [])]
        return RegisteredModel(
            name=model.name,
            aliases={str(k): str(v) for k, v in (model.aliases or {}).items()},
            tags=dict(model.tags or {}),
            latest_version=str(max(latest)) if latest else None,
        )

    def list_versions(self, name: str) -> list[ModelVersion]:
        aliases = self.get_model(name).aliases  # search results carry no aliases
        found = self._call(
            f"versions of {name!r}", self.client.search_model_versions, f"name = '{name}'"
        )
        versions = []
        for v in found:
            version = self._version(v)
            named = sorted(a for a, target in aliases.items() if target == version.version)
            versions.append(replace(version, aliases=named))
        return sorted(versions, key=lambda v: int(v.version))

    def get_version(self, name: str, version: str) -> ModelVersion:
        found = self._call(
            f"model {name!r} version {version}", self.client.get_model_version, name, version
        )
        return self._version(found)

    def _version(self, found: Any) -> ModelVersion:
        return ModelVersion(
            name=found.name,
            version=str(found.version),
            model_uri=self._model_uri(str(found.source)),
            aliases=[str(a) for a in (found.aliases or [])],
            tags=dict(found.tags or {}),
            created_at=_iso(found.creation_timestamp),
            source=str(found.source),
        )

    def _model_uri(self, source: str) -> str:
        """A file:// source as a local path; other sources as they are (fetched on read)."""
        if source.startswith("file://"):
            from urllib.parse import unquote, urlparse

            return unquote(urlparse(source).path)
        return source

    def local_files(self, version: ModelVersion) -> Path:
        """The model directory on this machine (remote artifacts downloaded once)."""
        uri = version.model_uri
        if "://" not in uri and not uri.startswith(("mlflow-artifacts:", "runs:", "models:")):
            return Path(uri)
        import mlflow.artifacts

        target = self._cache / version.name / version.version
        if not target.is_dir():
            staging = Path(tempfile.mkdtemp(prefix=".fetch-", dir=self._mkcache(version.name)))
            self._call(
                f"files of {version.name}/{version.version}",
                mlflow.artifacts.download_artifacts,
                artifact_uri=version.source,
                dst_path=str(staging),
                tracking_uri=self.location.tracking_uri,
            )
            downloaded = staging / ARTIFACT_PATH
            os.replace(downloaded if downloaded.is_dir() else staging, target)
        return target

    def _mkcache(self, name: str) -> Path:
        folder = self._cache / name
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    # ---- writes ---------------------------------------------------------------------------
    def _ensure_model(self, name: str) -> None:
        from mlflow.exceptions import MlflowException

        try:
            self.client.create_registered_model(name)
        except MlflowException as exc:
            if getattr(exc, "error_code", "") != "RESOURCE_ALREADY_EXISTS":
                raise RegistryError(f"{self.uri}: cannot create model {name!r}: {exc}") from exc

    def _run_for(self, run_id: str | None, name: str) -> tuple[str, bool]:
        """The run the files are logged to: the given one, the plugin's, or a new one."""
        run_id = run_id or os.environ.get(env.MLFLOW_RUN_ID)
        if run_id:
            return run_id, False
        experiment_name = os.environ.get(env.MLFLOW_EXPERIMENT_NAME) or EXPERIMENT
        experiment_id = ensure_experiment(self.client, experiment_name, self.location)
        run = self.client.create_run(experiment_id, run_name=f"register-{name}")
        return run.info.run_id, True

    def create_version(
        self,
        name: str,
        model_dir: str,
        tags: dict[str, str],
        run_id: str | None,
        files_uri: str | None = None,
    ) -> ModelVersion:
        self._ensure_model(name)
        run, own = self._call("a run for the model files", self._run_for, run_id, name)
        self._call(
            f"upload of {model_dir}",
            self.client.log_artifacts,
            run,
            str(model_dir),
            ARTIFACT_PATH,
        )
        artifact_uri = self._call("the run", self.client.get_run, run).info.artifact_uri
        if own:
            with contextlib.redirect_stdout(sys.stderr):  # MLflow prints "View run" links
                self.client.set_terminated(run)
        created = self._call(
            f"a version of {name!r}",
            self.client.create_model_version,
            name,
            f"{artifact_uri.rstrip('/')}/{ARTIFACT_PATH}",
            run_id=run,
            tags=tags,
        )
        return self._version(created)

    def set_alias(self, name: str, alias: str, version: str) -> None:
        self._call(
            f"alias {alias} of {name!r}",
            self.client.set_registered_model_alias,
            name,
            alias,
            version,
        )

    def delete_alias(self, name: str, alias: str) -> None:
        if alias in self.get_model(name).aliases:
            self._call(
                f"alias {alias} of {name!r}",
                self.client.delete_registered_model_alias,
                name,
                alias,
            )

    def set_model_tag(self, name: str, key: str, value: str) -> None:
        self._call(f"tag of {name!r}", self.client.set_registered_model_tag, name, key, value)

    def set_version_tag(self, name: str, version: str, key: str, value: str) -> None:
        self._call(
            f"tag of {name!r} version {version}",
            self.client.set_model_version_tag,
            name,
            version,
            key,
            value,
        )

    def delete_version(self, name: str, version: str) -> None:
        """Remove one version (tests and clean-ups; MLflow drops its aliases too)."""
        self._call(
            f"model {name!r} version {version}", self.client.delete_model_version, name, version
        )
