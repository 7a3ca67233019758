"""The one registry interface both backends implement, and the value types they return.

A registry holds named models; each has numbered versions carrying tags (strings) and
aliases. MLflow has aliases natively; the Kubeflow Model Registry has none, so its backend
keeps them as custom properties. Everything above this module (the register step,
``ideko models``, serving, lineage) sees only :class:`Registry` and :class:`ModelVersion`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ideko.runtime.errors import UserError

CHAMPION = "champion"
CHALLENGER = "challenger"
ALIASES: tuple[str, ...] = (CHAMPION, CHALLENGER)
LATEST = "latest"


class RegistryError(UserError):
    """A registry that cannot be reached or does not hold what was asked for."""


@dataclass(frozen=True)
class ModelVersion:
    """One registered version as every backend reports it."""

    name: str
    version: str
    model_uri: str  # local path or file:// / s3:// URI of the model directory
    aliases: list[str] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)
    created_at: str = ""  # ISO-8601 UTC
    source: str = ""  # where the backend stores the files (may be an mlflow-artifacts: URI)

    def as_dict(self) -> dict[str, Any]:
        """JSON form (``ideko models show --json``)."""
        return {
            "name": self.name,
            "version": self.version,
            "model_uri": self.model_uri,
            "aliases": sorted(self.aliases),
            "tags": dict(sorted(self.tags.items())),
            "created_at": self.created_at,
            "source": self.source,
        }


@dataclass(frozen=True)
class RegisteredModel:
    """A model name with its aliases (alias -> version) and tags."""

    name: str
    aliases: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    latest_version: str | None = None


class Registry(ABC):
    """Registered models, versions, aliases and tags, whichever server keeps them."""

    backend: str = ""
    uri: str = ""
    # MLflow keeps a copy of the files; the Model Registry only points at them (files_uri).
    stores_files: bool = True

    @abstractmethod
    def list_models(self) -> list[RegisteredModel]:
        """Every registered model, by name."""

    @abstractmethod
    def get_model(self, name: str) -> RegisteredModel:
        """One registered model; :class:`RegistryError` when there is none."""

    @abstractmethod
    def list_versions(self, name: str) -> list[ModelVersion]:
        """Every version of ``name``, oldest first."""

    @abstractmethod
    def get_version(self, name: str, version: str) -> ModelVersion:
        """One version; :class:`RegistryError` naming name/version when absent."""

    @abstractmethod
    def create_version(
        self,
        name: str,
        model_dir: str,
        tags: dict[str, str],
        run_id: str | None,
        files_uri: str | None = None,
    ) -> ModelVersion:
        """Register ``model_dir`` as the next version: a copy of its files when the backend
        stores files, else a pointer to ``files_uri`` (where they stay, e.g. KFP's store)."""

    @abstractmethod
    def set_alias(self, name: str, alias: str, version: str) -> None:
        """Point ``alias`` at ``version`` (moving it if it pointed elsewhere)."""

    @abstractmethod
    def delete_alias(self, name: str, alias: str) -> None:
        """Remove ``alias`` from ``name`` (no error when it is not set)."""

    @abstractmethod
    def set_model_tag(self, name: str, key: str, value: str) -> None:
        """A tag on the registered model (the champion history lives here)."""

    @abstractmethod
    def set_version_tag(self, name: str, version: str, key: str, value: str) -> None:
        """A tag on one version."""

    @abstractmethod
    def delete_version(self, name: str, version: str) -> None:
        """Remove (MLflow) or archive (Model Registry) one version."""

    def local_files(self, version: ModelVersion) -> Path:
        """The version's model directory on this machine (downloaded when remote)."""
        from ideko.runtime.artifact_uri import local_path

        return local_path(version.model_uri, f"files of {version.name}/{version.version}")

    def verified_files(self, version: ModelVersion) -> Path:
        """:meth:`local_files`, checked against the checksum recorded at registration."""
        from ideko.runtime.registry import tags
        from ideko.runtime.registry.checksum import verify_checksum

        folder = self.local_files(version)
        what = f"{self.uri}: {version.name}/{version.version}"
        verify_checksum(folder, version.tags.get(tags.CHECKSUM, ""), what)
        return folder

    def resolve(self, name: str, ref: str) -> ModelVersion:
        """``ref`` is a version number, an alias (``champion``/``@champion``) or ``latest``."""
        ref = ref.strip()
        if ref == LATEST:
            versions = self.list_versions(name)
            if not versions:
                raise RegistryError(f"{self.uri}: model {name!r} has no versions")
            return versions[-1]
        if ref.isdigit():
            return self.get_version(name, ref)
        alias = ref.removeprefix("@")
        target = self.get_model(name).aliases.get(alias)
        if target is None:
            raise RegistryError(f"{self.uri}: model {name!r} has no alias {alias!r}")
        try:
            return self.get_version(name, target)
        except RegistryError as exc:
            raise RegistryError(
                f"{self.uri}: alias {name}@{alias} points at version {target}, which no "
                f"longer exists ({exc}); move it with `ideko models promote {name} VERSION`"
            ) from exc
