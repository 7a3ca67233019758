"""A local Kubernetes API server for Katib Experiments, over real HTTP, for the cluster tests.

It implements exactly the ``kubeflow.org/v1beta1`` ``experiments`` endpoints the backend
calls (create, get, delete in a namespace), keeps objects in memory, answers errors with
Kubernetes-shaped ``Status`` bodies, and plays Katib: each GET of an Experiment moves it
along a script (Created -> Running -> Succeeded with ``currentOptimalTrial``, or Failed).
Faults (status codes, dropped connections, slow answers) are queued per request so the
tests can check what the real ``kubernetes`` client and the backend make of them.

``ideko submit``'s preflight (tests/cluster) asks the same server what a cluster would answer
before a run: API discovery of ``kubeflow.org/v1beta1`` (is Katib's CRD served), the
namespace and its labels, ``SelfSubjectAccessReview`` (may the user create Experiments),
``LocalSubjectAccessReview`` (may the pipeline's service account), and Roles/RoleBindings
(``--apply-rbac``). Access reviews are answered from the RBAC objects the server holds, so
applying the compiled ``rbac.yaml`` is what turns a denied review into an allowed one.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import loopback_http
from loopback_http import Received, RecordingDouble

GROUP_VERSION = "kubeflow.org/v1beta1"
PREFIX = f"/apis/{GROUP_VERSION}/namespaces/"
AUTHZ = "/apis/authorization.k8s.io/v1"
RBAC = "/apis/rbac.authorization.k8s.io/v1"
WEBHOOK = "validator.experiment.katib.kubeflow.org"
OPTIMAL = {
    "bestTrialName": "trial-best",
    "parameterAssignments": [
        {"name": "learning_rate", "value": "0.0031"},
        {"name": "hidden_units_0", "value": "48"},
        {"name": "batch_size", "value": "16"},
    ],
    "observation": {
        "metrics": [
            {"name": "score", "min": "0.41", "max": "0.87", "latest": "0.87"},
            {"name": "validation_accuracy", "min": "0.5", "max": "0.9", "latest": "0.9"},
        ]
    },
}


@dataclass
class Script:
    """How Katib moves an Experiment: Created on create, Running after ``running_after``
    GETs, the outcome after ``finish_after`` GETs (``None``: never finishes); deleted by
    someone else at GET number ``deleted_after``."""

    running_after: int = 1
    finish_after: int | None = 3
    outcome: str = "Succeeded"
    reason: str = "ExperimentMaxTrialsReached"
    message: str = "Experiment has succeeded because max trial count has reached"
    optimal: dict[str, Any] = field(default_factory=lambda: json.loads(json.dumps(OPTIMAL)))
    deleted_after: int | None = None


@dataclass
class Fault(loopback_http.Fault):
    """Instead of handling a request: answer ``status`` with a Status or drop the connection
    (``status`` 0); or, with ``delay``, handle it and answer only ``delay`` seconds later
    (the client may have given up: a create that happened but whose answer was lost)."""

    delay: float = 0.0


class KatibApiStub(RecordingDouble):
    """The server's state; ``url`` is what a ``kubernetes`` Configuration's host points at."""

    def __init__(self, token: str = "test-token") -> None:
        super().__init__()
        self.token = token
        self.crd_installed = True
        self.namespaces: set[str] | None = None  # None: every namespace exists
        self.forbidden: dict[str, str] = {}  # verb -> the user the RBAC error names
        self.webhook_denial = ""  # non-empty: Katib's validating webhook rejects creates
        self.script = Script()
        # What the preflight reads (see the module docstring); None/empty: the defaults.
        self.namespace_labels: dict[str, dict[str, str]] = {}
        self.user_denied: set[tuple[str, str]] = set()  # (verb, resource) the user may not do
        self.reviews_forbidden = False  # the user may not create LocalSubjectAccessReviews
        self.rbac: dict[tuple[str, str, str], dict[str, Any]] = {}  # (plural, ns, name) -> obj
        self.objects: dict[tuple[str, str], dict[str, Any]] = {}
        self.gets: dict[tuple[str, str], int] = {}

    def kubernetes_client(self) -> Any:
        """The official client pointed here with this server's token (close it, or ``with``)."""
        from kubernetes import client

        configuration = client.Configuration()
        configuration.host = self.url
        configuration.api_key = {"authorization": self.token}
        configuration.api_key_prefix = {"authorization": "Bearer"}
        return client.ApiClient(configuration)

    def answer(self, request: Received) -> tuple[int, Any] | None:
        """The API's answer, or the first queued fault's (``None``: drop the connection)."""
        with self.lock:
            fault = self.next_fault(request)
        if fault is not None and not fault.status and not fault.delay:
            return None
        with self.lock:
            if fault is not None and fault.status:
                phrase = HTTPStatus(fault.status).phrase.replace(" ", "")
                reply = status(fault.status, phrase, "injected fault")
            else:
                reply = self.handle(request.method, request.path, request.headers, request.body)
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        return reply

    def handle(self, method: str, path: str, headers: dict[str, str], body: Any) -> tuple:
        """``(status, document)`` for one request (the state machine; no I/O)."""
        if headers.get("authorization") != f"Bearer {self.token}":
            return status(401, "Unauthorized", "Unauthorized")
        if not path.startswith(PREFIX):
            return self._handle_cluster(method, path, body)
        parts = path[len(PREFIX) :].split("/")
        if not self.crd_installed or len(parts) not in (2, 3) or parts[1] != "experiments":
            return status(404, "NotFound", "the server could not find the requested resource")
        namespace, name = parts[0], (parts[2] if len(parts) == 3 else None)
        verb = {"POST": "create", "GET": "get", "DELETE": "delete"}.get(method, "")
        if not verb or (verb == "create") != (name is None):
            return status(405, "MethodNotAllowed", f"{method} is not supported here")
        if verb in self.forbidden:
            target = f'experiments.kubeflow.org "{name}"' if name else "experiments.kubeflow.org"
            return status(
                403,
                "Forbidden",
                f'{target} is forbidden: User "{self.forbidden[verb]}" cannot {verb} resource '
                f'"experiments" in API group "kubeflow.org" in the namespace "{namespace}"',
                {
                    "group": "kubeflow.org",
                    "kind": "experiments",
                    **({"name": name} if name else {}),
                },
            )
        if self.namespaces is not None and namespace not in self.namespaces:
            return missing("namespaces", namespace)
        if verb == "create":
            return self._create(namespace, body)
        key = (namespace, name)
        if key not in self.objects:
            return missing("experiments", name, "kubeflow.org")
        if verb == "delete":
            return 200, self.objects.pop(key)
        self.gets[key] = self.gets.get(key, 0) + 1
        vanish = self.script.deleted_after
        if vanish is not None and self.gets[key] >= vanish:  # someone deleted it meanwhile
            del self.objects[key]
            return missing("experiments", name, "kubeflow.org")
        self.objects[key]["status"] = self._status(self.gets[key])
        return 200, self.objects[key]

    def _create(self, namespace: str, body: Any) -> tuple:
        if not isinstance(body, dict) or body.get("kind") != "Experiment":
            return status(400, "BadRequest", "the body is not an Experiment")
        metadata = body.get("metadata") or {}
        if metadata.get("namespace", namespace) != namespace:
            return status(
                400,
                "BadRequest",
                "the namespace of the provided object does not match the namespace sent on "
                "the request",
            )
        if self.webhook_denial:
            return status(
                403,
                "Forbidden",
                f'admission webhook "{WEBHOOK}" denied the request: {self.webhook_denial}',
            )
        key = (namespace, metadata.get("name", ""))
        if key in self.objects:
            return already_exists("experiments", key[1], "kubeflow.org")
        stored = json.loads(json.dumps(body))
        stored["metadata"].update(
            namespace=namespace, uid=f"uid-{len(self.objects)}", resourceVersion="1"
        )
        self.objects[key] = stored
        return 201, stored

    def _handle_cluster(self, method: str, path: str, body: Any) -> tuple:
        """Discovery, namespaces, access reviews and RBAC objects (everything but Experiments)."""
        parts = path.strip("/").split("/")
        if path == f"/apis/{GROUP_VERSION}" and method == "GET":
            if not self.crd_installed:
                return status(404, "NotFound", "the server could not find the requested resource")
            return 200, {
                "kind": "APIResourceList",
                "apiVersion": "v1",
                "groupVersion": GROUP_VERSION,
                "resources": [
                    {
                        "name": "experiments",
                        "singularName": "experiment",
                        "namespaced": True,
                        "kind": "Experiment",
                        "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"],
                    }
                ],
            }
        if parts[:3] == ["api", "v1", "namespaces"] and len(parts) == 4 and method == "GET":
            name = parts[3]
            if self.namespaces is not None and name not in self.namespaces:
                return missing("namespaces", name)
            labels = {"kubernetes.io/metadata.name": name, **self.namespace_labels.get(name, {})}
            return 200, {
                "kind": "Namespace",
                "apiVersion": "v1",
                "metadata": {"name": name, "labels": labels},
                "status": {"phase": "Active"},
            }
        if path == f"{AUTHZ}/selfsubjectaccessreviews" and method == "POST":
            attributes = (body or {}).get("spec", {}).get("resourceAttributes") or {}
            key = (attributes.get("verb", ""), attributes.get("resource", ""))
            return 201, _review(body, allowed=key not in self.user_denied)
        if parts[:4] == [*AUTHZ.strip("/").split("/"), "namespaces"] and len(parts) == 6:
            if parts[5] != "localsubjectaccessreviews" or method != "POST":
                return status(405, "MethodNotAllowed", f"{method} is not supported here")
            if self.reviews_forbidden:
                return status(
                    403,
                    "Forbidden",
                    'localsubjectaccessreviews.authorization.k8s.io is forbidden: User "alice" '
                    'cannot create resource "localsubjectaccessreviews" in API group '
                    f'"authorization.k8s.io" in the namespace "{parts[4]}"',
                )
            return 201, _review(body, allowed=self._rbac_allows(parts[4], body))
        if parts[:4] == [*RBAC.strip("/").split("/"), "namespaces"] and len(parts) in (6, 7):
            return self._handle_rbac(
                method, parts[4], parts[5], parts[6] if len(parts) == 7 else None, body
            )
        return status(404, "NotFound", "the server could not find the requested resource")

    def _handle_rbac(
        self, method: str, namespace: str, plural: str, name: str | None, body: Any
    ) -> tuple:
        """Create, read and replace Roles and RoleBindings (what ``--apply-rbac`` does)."""
        if plural not in ("roles", "rolebindings"):
            return status(404, "NotFound", "the server could not find the requested resource")
        if method == "POST" and name is None:
            key = (plural, namespace, body["metadata"]["name"])
            if key in self.rbac:
                return already_exists(plural, key[2], "rbac.authorization.k8s.io")
            return 201, self._store_rbac(key, body, version=1)
        key = (plural, namespace, name or "")
        if key not in self.rbac:
            return missing(plural, name or "", "rbac.authorization.k8s.io")
        if method == "GET":
            return 200, self.rbac[key]
        if method == "PUT":
            held = self.rbac[key]["metadata"]["resourceVersion"]
            if body.get("metadata", {}).get("resourceVersion") != held:
                return status(409, "Conflict", f"the object has been modified ({plural} {name})")
            return 200, self._store_rbac(key, body, version=int(held) + 1)
        return status(405, "MethodNotAllowed", f"{method} is not supported here")

    def _store_rbac(self, key: tuple[str, str, str], body: Any, version: int) -> dict[str, Any]:
        stored = json.loads(json.dumps(body))
        stored["metadata"].update(namespace=key[1], resourceVersion=str(version))
        self.rbac[key] = stored
        return stored

    def _rbac_allows(self, namespace: str, review: Any) -> bool:
        """Whether a RoleBinding in ``namespace`` grants the reviewed service account the
        reviewed verb on the resource, through a Role held here (Kubernetes' RBAC, reduced to
        namespaced Roles and ServiceAccount subjects)."""
        spec = (review or {}).get("spec") or {}
        attributes = spec.get("resourceAttributes") or {}
        user = str(spec.get("user", ""))
        for (plural, ns, _), binding in self.rbac.items():
            if plural != "rolebindings" or ns != namespace:
                continue
            subjects = [
                f"system:serviceaccount:{s.get('namespace') or ns}:{s.get('name')}"
                for s in binding.get("subjects") or []
                if s.get("kind") == "ServiceAccount"
            ]
            role = self.rbac.get(("roles", ns, binding.get("roleRef", {}).get("name", "")))
            if user not in subjects or role is None:
                continue
            for rule in role.get("rules") or []:
                if (
                    attributes.get("group", "") in rule.get("apiGroups", [])
                    and attributes.get("resource") in rule.get("resources", [])
                    and attributes.get("verb") in rule.get("verbs", [])
                ):
                    return True
        return False

    def _status(self, gets: int) -> dict[str, Any]:
        """Katib's status after ``gets`` reads, per the script."""
        script = self.script
        conditions = [condition("Created", "ExperimentCreated", "Experiment is created")]
        finished = script.finish_after is not None and gets >= script.finish_after
        if gets >= script.running_after:
            running = condition("Running", "ExperimentRunning", "Experiment is running")
            if finished:
                running["status"] = "False"
            conditions.append(running)
        result: dict[str, Any] = {"conditions": conditions, "trialsRunning": 2}
        if finished:
            conditions.append(condition(script.outcome, script.reason, script.message))
            result = {"conditions": conditions, "trials": 4, "trialsSucceeded": 4}
            if script.outcome == "Succeeded":
                result["currentOptimalTrial"] = script.optimal
        return result


def _review(body: Any, allowed: bool) -> dict[str, Any]:
    """An access review as the API server returns it: the request's spec and a status."""
    answer = json.loads(json.dumps(body or {}))
    answer["status"] = {"allowed": allowed, **({} if allowed else {"reason": "no RBAC rule"})}
    return answer


def condition(kind: str, reason: str, message: str) -> dict[str, str]:
    return {"type": kind, "status": "True", "reason": reason, "message": message}


def missing(plural: str, name: str, group: str = "") -> tuple:
    """404 as the API server words it: ``<plural>[.<group>] "<name>" not found``."""
    return _about(404, "NotFound", "not found", plural, name, group)


def already_exists(plural: str, name: str, group: str) -> tuple:
    """409 for a create whose name is taken, worded as the API server does."""
    return _about(409, "AlreadyExists", "already exists", plural, name, group)


def _about(code: int, reason: str, what: str, plural: str, name: str, group: str) -> tuple:
    resource = f"{plural}.{group}" if group else plural
    details = {"name": name, "kind": plural, **({"group": group} if group else {})}
    return status(code, reason, f'{resource} "{name}" {what}', details)


def status(code: int, reason: str, message: str, details: dict | None = None) -> tuple:
    """A Kubernetes ``Status`` failure document."""
    return code, {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "details": details or {},
        "code": code,
    }
