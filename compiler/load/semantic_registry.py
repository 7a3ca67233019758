"""Semantic checks of ``registry:``: a URI the chosen backend can open, tracking it can do.

The schema knows the backend names and that the URI is a string; which URI schemes each
backend reads (``ideko.schema.registry``) and that only MLflow tracks runs is checked here,
so an ``s3://`` registry or a Model Registry without a host fails at compile time, with its
place, instead of in the register task at the end of a long run.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

from ideko.compiler.load.check_context import CheckContext
from ideko.compiler.load.diagnostics import Diagnostic
from ideko.compiler.load.spec_model import Spec
from ideko.schema.registry import KUBEFLOW, KUBEFLOW_SCHEMES, MLFLOW_SCHEMES

REGISTRY = ("registry",)


def uri_problem(uri: str, backend: str) -> str | None:
    """Why ``backend`` cannot open ``uri``, else None."""
    try:
        parts = urlsplit(uri)
    except ValueError as exc:
        return f"is not a URI ({exc})"
    scheme = parts.scheme.lower() if len(parts.scheme) > 1 else ""
    allowed = KUBEFLOW_SCHEMES if backend == KUBEFLOW else MLFLOW_SCHEMES
    if scheme not in allowed:
        if backend == KUBEFLOW:
            return "the Kubeflow Model Registry is reached at http(s)://host:port"
        return (f"scheme '{scheme}' is no MLflow registry; use a folder (the embedded "
                "registry), sqlite:///file.db or an http(s):// tracking server (model files "
                "go to the server's artifact store)")
    if scheme in ("http", "https") and not parts.hostname:
        return "has no host; write http(s)://host:port"
    return None


def check_registry(spec: Spec, ctx: CheckContext) -> Iterator[Diagnostic]:
    """The URI fits the backend; tracking is asked only of MLflow."""
    registry = spec.registry
    problem = uri_problem(registry.uri, registry.backend)
    if problem is not None:
        yield ctx.at((*REGISTRY, "uri"), f"'{registry.uri}' {problem}")
    if registry.backend == KUBEFLOW and registry.tracking:
        yield ctx.at((*REGISTRY, "tracking"), "the Kubeflow Model Registry tracks no runs; "
                     "drop tracking (a cluster's MLflow plugin sets MLFLOW_TRACKING_URI)")
