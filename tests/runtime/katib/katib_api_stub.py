"""A local Kubernetes API server for Katib Experiments, over real HTTP, for the cluster tests.

It implements exactly the ``kubeflow.org/v1beta1`` ``experiments`` endpoints the backend
calls (create, get, delete in a namespace), keeps objects in memory, answers errors with
Kubernetes-shaped ``Status`` bodies, and plays Katib: each GET of an Experiment moves it
along a script (Created -> Running -> Succeeded with ``currentOptimalTrial``, or Failed).
Faults (status codes, dropped connections, slow answers) are queued per request so the
tests can check what the real ``kubernetes`` client and the backend make of them.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

PREFIX = "/apis/kubeflow.org/v1beta1/namespaces/"
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
class Received:
    """One request as the server saw it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


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
class Fault:
    """Instead of handling a request: answer ``status`` with a Status or drop the connection
    (``status`` 0); or, with ``delay``, handle it and answer only ``delay`` seconds later
    (the client may have given up: a create that happened but whose answer was lost)."""

    status: int = 0
    delay: float = 0.0
    methods: tuple[str, ...] = ("GET", "POST", "DELETE")


class KatibApiStub:
    """The server's state; ``url`` is what a ``kubernetes`` Configuration's host points at."""

    def __init__(self, token: str = "test-token") -> None:
        self.token = token
        self.crd_installed = True
        self.namespaces: set[str] | None = None  # None: every namespace exists
        self.forbidden: dict[str, str] = {}  # verb -> the user the RBAC error names
        self.webhook_denial = ""  # non-empty: Katib's validating webhook rejects creates
        self.script = Script()
        self.faults: list[Fault] = []
        self.objects: dict[tuple[str, str], dict[str, Any]] = {}
        self.gets: dict[tuple[str, str], int] = {}
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> KatibApiStub:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def requests(self, method: str | None = None) -> list[Received]:
        with self.lock:
            return [r for r in self.received if method is None or r.method == method]

    def handle(self, method: str, path: str, headers: dict[str, str], body: Any) -> tuple:
        """``(status, document)`` for one request (the state machine; no I/O)."""
        if headers.get("authorization") != f"Bearer {self.token}":
            return status(401, "Unauthorized", "Unauthorized")
        parts = path[len(PREFIX) :].split("/") if path.startswith(PREFIX) else []
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
            return status(
                404,
                "NotFound",
                f'namespaces "{namespace}" not found',
                {"name": namespace, "kind": "namespaces"},
            )
        if verb == "create":
            return self._create(namespace, body)
        key = (namespace, name)
        if key not in self.objects:
            return status(
                404,
                "NotFound",
                f'experiments.kubeflow.org "{name}" not found',
                {"name": name, "group": "kubeflow.org", "kind": "experiments"},
            )
        if verb == "delete":
            return 200, self.objects.pop(key)
        self.gets[key] = self.gets.get(key, 0) + 1
        vanish = self.script.deleted_after
        if vanish is not None and self.gets[key] >= vanish:  # someone deleted it meanwhile
            del self.objects[key]
            return status(
                404,
                "NotFound",
                f'experiments.kubeflow.org "{name}" not found',
                {"name": name, "group": "kubeflow.org", "kind": "experiments"},
            )
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
            return status(
                409,
                "AlreadyExists",
                f'experiments.kubeflow.org "{key[1]}" already exists',
                {"name": key[1], "group": "kubeflow.org", "kind": "experiments"},
            )
        stored = json.loads(json.dumps(body))
        stored["metadata"].update(
            namespace=namespace, uid=f"uid-{len(self.objects)}", resourceVersion="1"
        )
        self.objects[key] = stored
        return 201, stored

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


def condition(kind: str, reason: str, message: str) -> dict[str, str]:
    return {"type": kind, "status": "True", "reason": reason, "message": message}


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


def _handler(stub: KatibApiStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the tests read ``stub.received``."""

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            url = urlparse(self.path)
            headers = {k.lower(): v for k, v in self.headers.items()}
            with stub.lock:
                stub.received.append(
                    Received(self.command, url.path, parse_qs(url.query), headers, body)
                )
                fault = next((f for f in stub.faults if self.command in f.methods), None)
                if fault is not None:
                    stub.faults.remove(fault)
            if fault is not None and not fault.status and not fault.delay:
                self.close_connection = True
                self.connection.shutdown(2)  # no answer at all: the client sees a dropped link
                return
            with stub.lock:
                if fault is not None and fault.status:
                    phrase = HTTPStatus(fault.status).phrase.replace(" ", "")
                    code, document = status(fault.status, phrase, "injected fault")
                else:
                    code, document = stub.handle(self.command, url.path, headers, body)
            if fault is not None and fault.delay:
                time.sleep(fault.delay)
            payload = json.dumps(document).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_DELETE = _serve

    return Handler
