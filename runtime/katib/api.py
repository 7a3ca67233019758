"""The cluster backend's Kubernetes API calls, and what their failures mean to a user.

The ``kubernetes`` client raises ``ApiException`` (an HTTP status plus a ``Status`` JSON
body) when the API server answers with an error, and urllib3 or OS errors when no answer
arrives. This module sorts them into *transient* (retry until the deadline: a restarting
API server, a 5xx, a dropped connection) and *final*, and turns a final one into a
:class:`TuneError` that says what is wrong and how to fix it, so the tune step fails with one
readable line instead of a client traceback. The client is only ever duck-typed here: the
module imports neither ``kubernetes`` nor urllib3 at import time.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ideko.runtime.katib.errors import TuneError

GROUP, VERSION, PLURAL = "kubeflow.org", "v1beta1", "experiments"
CRD_MISSING = f"Katib's Experiment CRD ({GROUP}/{VERSION}) is not installed in the cluster"
# Where ideko-compile writes the Role/RoleBinding (compiler/layout.py: KATIB_DIR, RBAC_FILE;
# tests/runtime/katib/test_katib_cluster_http.py checks the two stay in step).
RBAC_PATH = "generated/{pipeline}/katib/rbac.yaml"
PIPELINE_LABEL = "ideko.dev/pipeline"
RBAC_SUBJECT = "pipeline-runner"  # the ServiceAccount the compiled RoleBinding binds
REQUEST_TIMEOUT_SECONDS = 30.0  # one API request; a hung connection must not outlive the step
_SERVICE_ACCOUNT_USER = re.compile(r"system:serviceaccount:([^:\"\s]+):([^:\"\s]+)")


@dataclass(frozen=True)
class ApiFailure:
    """An error answer of the API server: HTTP status and its ``Status`` body's fields."""

    status: int
    reason: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)


def api_failure(exc: BaseException) -> ApiFailure | None:
    """The HTTP answer behind a client exception (``ApiException``-like), else None."""
    status = getattr(exc, "status", None)
    if not isinstance(status, int) or isinstance(status, bool):
        return None
    body = getattr(exc, "body", None)
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    document: dict[str, Any] = {}
    if isinstance(body, str) and body.strip():
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = {"message": body.strip()}
        document = parsed if isinstance(parsed, dict) else {}
    details = document.get("details")
    return ApiFailure(
        status=status,
        reason=str(document.get("reason") or getattr(exc, "reason", "") or ""),
        message=str(document.get("message") or ""),
        details=details if isinstance(details, dict) else {},
    )


def is_transient(exc: BaseException) -> bool:
    """True for failures worth retrying: 429, 5xx, a refused, dropped or timed-out connection."""
    failure = api_failure(exc)
    if failure is not None:
        return failure.status == 429 or failure.status >= 500
    if isinstance(exc, OSError):  # ConnectionError, socket timeouts
        return True
    try:
        from urllib3 import exceptions as u3
    except ImportError:  # pragma: no cover - urllib3 comes with kubernetes
        return False
    return isinstance(exc, u3.MaxRetryError | u3.ProtocolError | u3.TimeoutError)


def is_api_error(exc: BaseException) -> bool:
    """An error answer or a transport failure of the API client, as opposed to a bug."""
    if api_failure(exc) is not None or isinstance(exc, OSError):
        return True
    try:
        from urllib3.exceptions import HTTPError
    except ImportError:  # pragma: no cover - urllib3 comes with kubernetes
        return False
    return isinstance(exc, HTTPError)


def describe(exc: BaseException) -> str:
    """A one-line account of a failure for logs and timeout messages."""
    failure = api_failure(exc)
    if failure is None:
        cause = getattr(exc, "reason", None)  # urllib3's MaxRetryError wraps the real one
        shown = cause if isinstance(cause, BaseException) else exc
        return f"{type(shown).__name__}: {shown}".splitlines()[0]
    text = f"{failure.status} {failure.reason}".strip()
    return f"{text}: {failure.message}" if failure.message else text


def call(method: Callable[..., Any], *args: Any, timeout: float) -> Any:
    """``method(*args)`` bounded by ``timeout`` seconds when the client accepts a timeout.

    The real ``CustomObjectsApi`` methods take ``_request_timeout`` through ``**kwargs``;
    test doubles with plain signatures are called without it.
    """
    try:
        parameters = inspect.signature(method).parameters.values()
    except (TypeError, ValueError):
        parameters = ()
    if any(p.kind is p.VAR_KEYWORD or p.name == "_request_timeout" for p in parameters):
        return method(*args, _request_timeout=(timeout, timeout))
    return method(*args)


def explain(
    exc: BaseException, *, verb: str, namespace: str, name: str, manifest: dict[str, Any]
) -> TuneError:
    """The :class:`TuneError` for a final API failure of ``verb`` on Experiment ns/name."""
    failure = api_failure(exc)
    where = f"Katib Experiment {namespace}/{name}"
    if failure is None:
        return TuneError(f"cannot {verb} {where}: {describe(exc)}")
    said = describe(exc)
    if failure.status == 404:
        kind = failure.details.get("kind")
        if kind == "namespaces":
            return TuneError(
                f"cannot {verb} {where}: namespace {namespace} does not exist ({said})"
            )
        if kind == PLURAL and failure.details.get("name") == name:
            return TuneError(f"{where} was deleted while the tune step waited for it ({said})")
        return TuneError(
            f"{CRD_MISSING}: {verb} of {where} answered {said}. Install Katib "
            f"(kubeflow/katib manifests) or run the tune step with backend 'local'"
        )
    if failure.status == 403:
        if "admission webhook" in failure.message:
            return TuneError(f"Katib rejected Experiment {namespace}/{name}: {failure.message}")
        return TuneError(_forbidden(failure, verb=verb, namespace=namespace, manifest=manifest))
    if failure.status == 401:
        return TuneError(
            f"cannot {verb} {where}: the Kubernetes API rejected the step's credentials "
            f"({said}); check the pod's service-account token"
        )
    if failure.status in (400, 422):
        return TuneError(f"the Kubernetes API rejected {where} ({said})")
    return TuneError(f"cannot {verb} {where}: Kubernetes API error {said}")


def _forbidden(failure: ApiFailure, *, verb: str, namespace: str, manifest: dict[str, Any]) -> str:
    """RBAC is missing: who was refused, and the compiled Role/RoleBinding that grants it."""
    user = _SERVICE_ACCOUNT_USER.search(failure.message)
    who = (
        f"service account {user.group(2)} (namespace {user.group(1)})"
        if user
        else "the tune step's service account"
    )
    labels = (manifest.get("metadata") or {}).get("labels") or {}
    pipeline = str(labels.get(PIPELINE_LABEL) or "")
    path = RBAC_PATH.format(pipeline=pipeline or "<pipeline>")
    role = f"{pipeline or '<pipeline>'}-katib"[:63].rstrip("-")
    return (
        f"{who} may not {verb} Katib Experiments ({PLURAL}.{GROUP}) in namespace {namespace} "
        f"(403 Forbidden: {failure.message}). Grant it with the Role and RoleBinding {role} "
        f"that ideko-compile wrote to {path}: kubectl apply -n {namespace} -f {path} "
        f"(the binding's subject is service account {RBAC_SUBJECT}; edit it if the pipeline "
        f"runs as another account)"
    )
