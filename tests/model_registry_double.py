"""A loopback HTTP double of the Kubeflow Model Registry REST endpoints our backend uses.

It answers exactly the calls the official ``model-registry`` 0.3.18 client makes for
registering and reading models (``/api/model_registry/v1``: registered models, model
versions, their artifacts, the find-by-name endpoints, PATCH updates), keeps everything in
memory and enforces what the real server enforces that we rely on: unique names per parent
(409), 404 for unknown ids and names. The client's pydantic models parse every response, so
a malformed answer fails the test. It proves our use of the client, not the server.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

BASE = "/api/model_registry/v1"


class Store:
    """What the server holds: registered models, versions, artifacts (by id)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.ids = itertools.count(1)
        self.models: dict[str, dict[str, Any]] = {}
        self.versions: dict[str, dict[str, Any]] = {}
        self.artifacts: dict[str, dict[str, Any]] = {}
        self.links: dict[str, list[str]] = {}  # version id -> artifact ids
        self.calls: list[tuple[str, str]] = []

    def stamp(self, body: dict[str, Any]) -> dict[str, Any]:
        now = str(int(time.time() * 1000))
        return {**body, "id": str(next(self.ids)), "createTimeSinceEpoch": now,
                "lastUpdateTimeSinceEpoch": now}


class Handler(BaseHTTPRequestHandler):
    store: Store

    def log_message(self, *_args: Any) -> None:  # keep pytest output clean
        return

    def _send(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _missing(self, what: str) -> None:
        self._send(404, {"code": "404", "message": f"{what} not found"})

    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"{}")

    def _route(self, method: str) -> None:
        url = urlparse(self.path)
        path = url.path.removeprefix(BASE)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        store = self.store
        with store.lock:
            store.calls.append((method, path))
            parts = path.strip("/").split("/")
            handler = getattr(self, f"_{method.lower()}_{parts[0]}", None)
            if handler is None:
                self._send(404, {"code": "404", "message": f"no route {method} {path}"})
                return
            handler(parts[1:], query)

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_PATCH(self) -> None:
        self._route("PATCH")

    # --- registered models -------------------------------------------------------------
    def _page(self, items: list[dict[str, Any]]) -> None:
        self._send(200, {"items": items, "nextPageToken": "", "pageSize": len(items),
                         "size": len(items)})

    def _get_registered_models(self, rest: list[str], _query: dict[str, str]) -> None:
        store = self.store
        if not rest:
            self._page(list(store.models.values()))
        elif rest[0] not in store.models:
            self._missing(f"registered model {rest[0]}")
        elif len(rest) == 1:
            self._send(200, store.models[rest[0]])
        else:  # /registered_models/{id}/versions
            self._page([v for v in store.versions.values() if v["registeredModelId"] == rest[0]])

    def _get_registered_model(self, _rest: list[str], query: dict[str, str]) -> None:
        found = [m for m in self.store.models.values() if m["name"] == query.get("name")]
        if found:
            self._send(200, found[0])
        else:
            self._missing(f"registered model {query.get('name')}")

    def _post_registered_models(self, _rest: list[str], _query: dict[str, str]) -> None:
        body = self._body()
        if any(m["name"] == body["name"] for m in self.store.models.values()):
            self._send(409, {"code": "409", "message": f"{body['name']} already exists"})
            return
        model = self.store.stamp({"state": "LIVE", **body})
        self.store.models[model["id"]] = model
        self._send(201, model)

    def _patch_registered_models(self, rest: list[str], _query: dict[str, str]) -> None:
        self._patch(self.store.models, rest[0], "registered model")

    def _patch(self, table: dict[str, dict[str, Any]], key: str, what: str) -> None:
        if key not in table:
            self._missing(f"{what} {key}")
            return
        table[key] = {**table[key], **self._body(),
                      "lastUpdateTimeSinceEpoch": str(int(time.time() * 1000))}
        self._send(200, table[key])

    # --- model versions ------------------------------------------------------------------
    def _get_model_version(self, _rest: list[str], query: dict[str, str]) -> None:
        found = [
            v for v in self.store.versions.values()
            if v["name"] == query.get("name")
            and v["registeredModelId"] == query.get("parentResourceId")
        ]
        if found:
            self._send(200, found[0])
        else:
            self._missing(f"model version {query.get('name')}")

    def _post_model_versions(self, rest: list[str], _query: dict[str, str]) -> None:
        if rest:  # /model_versions/{id}/artifacts
            self._post_version_artifact(rest[0])
            return
        body = self._body()
        parent = body.get("registeredModelId")
        if parent not in self.store.models:
            self._missing(f"registered model {parent}")
            return
        taken = [v for v in self.store.versions.values()
                 if v["registeredModelId"] == parent and v["name"] == body["name"]]
        if taken:
            self._send(409, {"code": "409", "message": f"version {body['name']} already exists"})
            return
        version = self.store.stamp({"state": "LIVE", **body})
        self.store.versions[version["id"]] = version
        self._send(201, version)

    def _get_model_versions(self, rest: list[str], _query: dict[str, str]) -> None:
        if not rest or rest[0] not in self.store.versions:
            self._missing("model version")
        elif len(rest) == 1:
            self._send(200, self.store.versions[rest[0]])
        else:
            self._page([self.store.artifacts[a] for a in self.store.links.get(rest[0], [])])

    def _patch_model_versions(self, rest: list[str], _query: dict[str, str]) -> None:
        self._patch(self.store.versions, rest[0], "model version")

    def _post_version_artifact(self, version_id: str) -> None:
        if version_id not in self.store.versions:
            self._missing(f"model version {version_id}")
            return
        artifact = self.store.stamp({"state": "LIVE", **self._body()})
        self.store.artifacts[artifact["id"]] = artifact
        self.store.links.setdefault(version_id, []).append(artifact["id"])
        self._send(200, artifact)

    def _get_model_artifact(self, _rest: list[str], query: dict[str, str]) -> None:
        ids = self.store.links.get(query.get("parentResourceId", ""), [])
        found = [self.store.artifacts[a] for a in ids
                 if self.store.artifacts[a].get("name") == query.get("name")]
        if found:
            self._send(200, found[0])
        else:
            self._missing(f"model artifact {query.get('name')}")


class ModelRegistryDouble:
    """Start/stop the double on a free loopback port; ``uri`` is what the backend opens."""

    def __init__(self) -> None:
        self.store = Store()
        handler = type("BoundHandler", (Handler,), {"store": self.store})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> ModelRegistryDouble:
        self.thread.start()
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
