"""Where the served model comes from: a packaged model directory or a registry reference.

A reference is ``NAME`` (its ``champion``), ``NAME@ALIAS`` or ``NAME/VERSION``. It is resolved
each time the model is loaded, at start-up and on a reload, so a predictor started on
``NAME@champion`` serves whatever version the alias names at that moment (see the serving
README for why the InferenceService resolves at start-up instead of carrying a storageUri).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ideko.runtime.errors import UserError
from ideko.schema.serving import ModelReferenceError, parse_model_reference


@dataclass(frozen=True)
class ModelSource:
    """A model directory (``model_dir``) or a registry reference (``reference`` in
    ``registry_uri``; ``registry_backend`` when the URI leaves the backend open)."""

    model_dir: str | None = None
    registry_uri: str | None = None
    reference: str | None = None
    registry_backend: str | None = None

    def __post_init__(self) -> None:
        if (self.model_dir is None) == (self.reference is None):
            raise UserError("serve either a model directory or a registry reference, not both")
        if self.reference is not None:
            parse_reference(self.reference)
            if not self.registry_uri:
                raise UserError(f"model reference {self.reference!r} needs a registry URI")

    def describe(self) -> str:
        if self.model_dir is not None:
            return f"model directory {self.model_dir}"
        return f"{self.reference} in registry {self.registry_uri}"


@dataclass(frozen=True)
class ResolvedModel:
    """A local model directory and, for a registry reference, the version it resolved to."""

    folder: Path
    version: str | None


def parse_reference(text: str) -> tuple[str, str]:
    """(name, ref) of a reference; a malformed one is a :class:`UserError`."""
    try:
        return parse_model_reference(text)
    except ModelReferenceError as exc:
        raise UserError(str(exc)) from None


def resolve_registry(
    registry_uri: str, reference: str, backend: str | None = None
) -> ResolvedModel:
    """The one call into the registry: ``open_registry(uri, backend).resolve(name, ref)``,
    then the registry's own ``verified_files`` (its checksum over the version's files).

    The registry raises :class:`UserError` naming the URI, name and ref when the alias or
    version points nowhere, and when the files fail the checksum recorded at registration;
    the package's ``checksums.json`` is verified after that by :func:`load_package`.
    """
    name, ref = parse_reference(reference)
    try:
        from ideko.runtime.registry import open_registry
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("ideko"):
            raise
        raise UserError(
            f"cannot resolve {reference!r}: this build has no model registry "
            "(ideko.runtime.registry); serve a model directory with --model-dir"
        ) from exc
    registry = open_registry(registry_uri, backend)
    version = registry.resolve(name, ref)
    return ResolvedModel(registry.verified_files(version), version.version)


def resolve(source: ModelSource) -> ResolvedModel:
    """The local directory to load now."""
    if source.model_dir is not None:
        from ideko.runtime.artifact_uri import local_path

        return ResolvedModel(local_path(source.model_dir, "model directory"), None)
    assert source.registry_uri is not None and source.reference is not None
    return resolve_registry(source.registry_uri, source.reference, source.registry_backend)
