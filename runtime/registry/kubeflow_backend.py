"""The Kubeflow Model Registry backend, through the official ``model-registry`` client.

RegisteredModel -> ModelVersion -> ModelArtifact, as the client registers them. The Model
Registry keeps no files (the ModelArtifact's ``uri`` points at the KFP artifact store) and
has no aliases, so aliases are a JSON custom property of the RegisteredModel
(``ideko.aliases``) and tags are string custom properties. ``model_source_kind/class/id``
point at the KFP run that produced the version. Versions are never deleted on this server;
an archived version counts as gone.
"""

from __future__ import annotations

import logging
import os
import warnings
from typing import Any
from urllib.parse import urlparse

from ideko.runtime.registry import tags as tag_keys
from ideko.runtime.registry.base import (
    ModelVersion,
    RegisteredModel,
    Registry,
    RegistryError,
)
from ideko.runtime.registry.uri import RegistryLocation
from ideko.schema import env

MODEL_FORMAT = "keras"
SOURCE_KIND = "kfp"
SOURCE_CLASS = "pipelinerun"
ARCHIVED = "ARCHIVED"


def _quiet() -> None:
    """The client configures root logging at import and warns on every insecure connect."""
    logging.getLogger("model-registry").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", message="User access token is missing")


def _keras_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("keras")
    except PackageNotFoundError:
        return "3"


class KubeflowRegistry(Registry):
    """:class:`Registry` over ``model_registry.ModelRegistry``."""

    backend = "kubeflow"
    stores_files = False

    def __init__(self, location: RegistryLocation, author: str | None = None) -> None:
        _quiet()
        self.location = location
        self.uri = location.uri
        parsed = urlparse(location.tracking_uri)
        self._author = author or os.environ.get("USER") or "ideko"
        try:
            from model_registry import ModelRegistry

            self.client = ModelRegistry(
                f"{parsed.scheme}://{parsed.hostname}",
                parsed.port or (443 if parsed.scheme == "https" else 80),
                author=self._author,
                is_secure=parsed.scheme == "https",
                log_level=logging.ERROR,
            )
        except Exception as exc:  # the client raises aiohttp / pydantic / its own errors
            raise RegistryError(f"registry {self.uri} is unreachable or not a Model Registry: "
                                f"{type(exc).__name__}: {exc}") from exc

    def _call(self, what: str, func: Any, *args: Any, **kwargs: Any) -> Any:
        from model_registry.exceptions import StoreError
        from mr_openapi.exceptions import ApiException

        try:
            return func(*args, **kwargs)
        except (StoreError, ApiException) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise RegistryError(f"{self.uri}: {what}: {first}") from exc
        except OSError as exc:
            raise RegistryError(f"registry {self.uri} is unreachable ({what}: {exc})") from exc

    # ---- reads ----------------------------------------------------------------------------
    def _rm(self, name: str) -> Any:
        found = self._call(f"model {name!r}", self.client.get_registered_model, name)
        if found is None:
            raise RegistryError(f"{self.uri}: model {name!r} does not exist")
        return found

    def _model(self, rm: Any) -> RegisteredModel:
        """No ``latest_version``: it would cost a request per version (list_versions has it)."""
        props = dict(rm.custom_properties or {})
        aliases = tag_keys.decode_json(props.pop(tag_keys.ALIASES, None), {})
        return RegisteredModel(
            name=rm.name,
            aliases={str(k): str(v) for k, v in aliases.items()},
            tags={k: str(v) for k, v in props.items()},
        )

    def list_models(self) -> list[RegisteredModel]:
        found = self._call("registered models", lambda: list(self.client.get_registered_models()))
        return sorted((self._model(rm) for rm in found), key=lambda m: m.name)

    def get_model(self, name: str) -> RegisteredModel:
        return self._model(self._rm(name))

    def _all_versions(self, name: str) -> list[Any]:
        self._rm(name)
        found = self._call(
            f"versions of {name!r}", lambda: list(self.client.get_model_versions(name))
        )
        return sorted(found, key=lambda mv: int(mv.name) if str(mv.name).isdigit() else 0)

    def _live(self, name: str) -> list[ModelVersion]:
        aliases = None
        out = []
        for mv in self._all_versions(name):
            if str(getattr(mv.state, "value", mv.state)) == ARCHIVED:
                continue
            if aliases is None:
                rm_props = dict(self._rm(name).custom_properties or {})
                aliases = tag_keys.decode_json(rm_props.get(tag_keys.ALIASES), {})
            out.append(self._version(name, mv, aliases))
        return out

    def list_versions(self, name: str) -> list[ModelVersion]:
        return self._live(name)

    def get_version(self, name: str, version: str) -> ModelVersion:
        rm = self._rm(name)
        mv = self._call(
            f"model {name!r} version {version}", self.client.get_model_version, name, version
        )
        if mv is None or str(getattr(mv.state, "value", mv.state)) == ARCHIVED:
            raise RegistryError(f"{self.uri}: model {name!r} version {version} does not exist")
        aliases = tag_keys.decode_json(dict(rm.custom_properties or {}).get(tag_keys.ALIASES), {})
        return self._version(name, mv, aliases)

    def _version(self, name: str, mv: Any, aliases: dict[str, str]) -> ModelVersion:
        artifact = self._call(
            f"model {name!r} version {mv.name} files",
            self.client.get_model_artifact,
            name,
            mv.name,
        )
        uri = str(getattr(artifact, "uri", "") or "")
        created = ""
        if mv.create_time_since_epoch:
            from datetime import UTC, datetime

            seconds = int(mv.create_time_since_epoch) / 1000
            created = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return ModelVersion(
            name=name,
            version=str(mv.name),
            model_uri=_as_local(uri),
            aliases=sorted(a for a, v in aliases.items() if str(v) == str(mv.name)),
            tags={k: str(v) for k, v in (mv.custom_properties or {}).items()},
            created_at=created,
            source=uri,
        )

    # ---- writes ---------------------------------------------------------------------------
    def create_version(
        self,
        name: str,
        model_dir: str,
        tags: dict[str, str],
        run_id: str | None,
        files_uri: str | None = None,
    ) -> ModelVersion:
        from pathlib import Path

        uri = files_uri or Path(model_dir).resolve().as_uri()
        run = tags.get(tag_keys.RUN_ID) or run_id or os.environ.get(env.KFP_RUN_ID) or ""
        for _attempt in range(20):
            existing = []
            if self._call(f"model {name!r}", self.client.get_registered_model, name):
                existing = [int(v.name) for v in self._all_versions(name) if v.name.isdigit()]
            number = str(max(existing, default=0) + 1)
            try:
                self.client.register_model(
                    name,
                    uri,
                    version=number,
                    model_format_name=MODEL_FORMAT,
                    model_format_version=_keras_version(),
                    model_source_kind=SOURCE_KIND,
                    model_source_class=SOURCE_CLASS,
                    model_source_id=run or None,
                    model_source_name=tags.get(tag_keys.SPEC_NAME),
                    author=self._author,
                    metadata=dict(tags),
                )
            except Exception as exc:
                if "already exists" in str(exc) or "409" in str(exc):
                    continue  # a concurrent registration took this number: take the next
                problem = f"{self.uri}: cannot register {name!r} v{number}: {exc}"
                raise RegistryError(problem) from exc
            return self.get_version(name, number)
        raise RegistryError(f"{self.uri}: could not register {name!r}: too many concurrent writers")

    def _update_rm_props(self, name: str, change: Any) -> None:
        rm = self._rm(name)
        props = dict(rm.custom_properties or {})
        change(props)
        rm.custom_properties = props
        self._call(f"model {name!r}", self.client.update, rm)

    def set_alias(self, name: str, alias: str, version: str) -> None:
        def change(props: dict[str, Any]) -> None:
            aliases = tag_keys.decode_json(props.get(tag_keys.ALIASES), {})
            aliases[alias] = str(version)
            props[tag_keys.ALIASES] = tag_keys.encode(aliases)

        self._update_rm_props(name, change)

    def delete_alias(self, name: str, alias: str) -> None:
        def change(props: dict[str, Any]) -> None:
            aliases = tag_keys.decode_json(props.get(tag_keys.ALIASES), {})
            aliases.pop(alias, None)
            props[tag_keys.ALIASES] = tag_keys.encode(aliases)

        self._update_rm_props(name, change)

    def set_model_tag(self, name: str, key: str, value: str) -> None:
        self._update_rm_props(name, lambda props: props.__setitem__(key, value))

    def set_version_tag(self, name: str, version: str, key: str, value: str) -> None:
        mv = self._call(
            f"model {name!r} version {version}", self.client.get_model_version, name, version
        )
        if mv is None:
            raise RegistryError(f"{self.uri}: model {name!r} version {version} does not exist")
        mv.custom_properties = {**(mv.custom_properties or {}), key: value}
        self._call(f"model {name!r} version {version}", self.client.update, mv)

    def delete_version(self, name: str, version: str) -> None:
        """Archive a version (the Model Registry never deletes one)."""
        from model_registry.types import ModelVersionState

        mv = self._call(
            f"model {name!r} version {version}", self.client.get_model_version, name, version
        )
        if mv is None:
            raise RegistryError(f"{self.uri}: model {name!r} version {version} does not exist")
        mv.state = ModelVersionState.ARCHIVED
        self._call(f"model {name!r} version {version}", self.client.update, mv)


def _as_local(uri: str) -> str:
    """A file:// artifact URI as a plain path (what ModelVersion.model_uri promises)."""
    if uri.startswith("file://"):
        from urllib.parse import unquote

        return unquote(urlparse(uri).path)
    return uri
