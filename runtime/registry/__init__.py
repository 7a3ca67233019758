"""The model registry: one interface (:class:`Registry`), an MLflow and a Kubeflow backend.

``open_registry(uri)`` picks the backend from the URI (see :mod:`.uri`); the register step,
``ideko models``, serving and lineage use only what :mod:`.base` defines. Backends import
their clients (mlflow, model-registry) only when opened.
"""

from __future__ import annotations

from ideko.runtime.registry.base import (
    ALIASES,
    CHALLENGER,
    CHAMPION,
    LATEST,
    ModelVersion,
    RegisteredModel,
    Registry,
    RegistryError,
)
from ideko.runtime.registry.uri import RegistryLocation, check_reachable, parse_location
from ideko.schema.registry import KUBEFLOW

__all__ = [
    "ALIASES",
    "CHALLENGER",
    "CHAMPION",
    "LATEST",
    "ModelVersion",
    "RegisteredModel",
    "Registry",
    "RegistryError",
    "RegistryLocation",
    "open_registry",
]


def open_registry(uri: str, backend: str | None = None, author: str | None = None) -> Registry:
    """The registry at ``uri``; ``backend`` (mlflow | kubeflow) when the URI leaves it open.

    A remote registry that does not answer is a :class:`RegistryError` naming the URI.
    """
    location = parse_location(uri, backend)
    check_reachable(location)
    if location.backend == KUBEFLOW:
        from ideko.runtime.registry.kubeflow_backend import KubeflowRegistry

        return KubeflowRegistry(location, author=author)
    from ideko.runtime.registry.mlflow_backend import MlflowRegistry

    return MlflowRegistry(location)
