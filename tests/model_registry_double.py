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
from typing import Any
from urllib.parse import parse_qs, urlparse

from loopback_http import LoopbackHandler, LoopbackServer

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


class Handler(LoopbackHandler):
    store: Store

    def _missing(self, what: str) -> None:
        self.send_json(404, {"code": "404", "message": f"{what} not found"})

    def _body(self) -> dict[str, Any]:
        return json.loads(self.read_body() or b"{}")

    def _route(self) -> None:
        method = self.command
        url = urlparse(self.path)
        path = url.path.removeprefix(BASE)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        store = self.store
        with store.lock:
            store.calls.append((method, path))
            parts = path.strip("/").split("/")
            handler = getattr(self, f"_{method.lower()}_{parts[0]}", None)
            if handler is None:
                self.send_json(404, {"code": "404", "message": f"no route {method} {path}"})
                return
            handler(parts[1:], query)

    do_GET = do_POST = do_PATCH = _route

    # --- registered models -------------------------------------------------------------
    def _page(self, items: list[dict[str, Any]]) -> None:
        self.send_json(200, {"items": items, "nextPageToken": "", "pageSize": len(items),
                         "size": len(items)})

    def _get_registered_models(self, rest: list[str], _query: dict[str, str]) -> None:
        store = self.store
        if not rest:
            self._page(list(store.models.values()))
        elif rest[0] not in store.models:
            self._missing(f"registered model {rest[0]}")
        elif len(rest) == 1:
            self.send_json(200, store.models[rest[0]])
        else:  # /registered_models/{id}/versions
            self._page([v for v in store.versions.values() if v["registeredModelId"] == rest[0]])

    def _get_registered_model(self, _rest: list[str], query: dict[str, str]) -> None:
        found = [m for m in self.store.models.values() if m["name"] == query.get("name")]
        if found:
            self.send_json(200, found[0])
        else:
            self._missing(f"registered model {query.get('name')}")

    def _post_registered_models(self, _rest: list[str], _query: dict[str, str]) -> None:
        body = self._body()
        if any(m["name"] == body["name"] for m in self.store.models.values()):
            self.send_json(409, {"code": "409", "message": f"{body['name']} already exists"})
            return
        model = self.store.stamp({"state": "LIVE", **body})
        self.store.models[model["id"]] = model
        self.send_json(201, model)

    def _patch_registered_models(self, rest: list[str], _query: dict[str, str]) -> None:
        self._patch(self.store.models, rest[0], "registered model")

    def _patch(self, table: dict[str, dict[str, Any]], key: str, what: str) -> None:
        if key not in table:
            self._missing(f"{what} {key}")
            return
        table[key] = {**table[key], **self._body(),
                      "lastUpdateTimeSinceEpoch": str(int(time.time() * 1000))}
        self.send_json(200, table[key])

    # --- model versions ------------------------------------------------------------------
    def _get_model_version(self, _rest: list[str], query: dict[str, str]) -> None:
        found = [
            v for v in self.store.versions.values()
            if v["name"] == query.get("name")
            and v["registeredModelId"] == query.get("parentResourceId")
        ]
        if found:
            self.send_json(200, found[0])
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
            message = f"version {body['name']} already exists"
            self.send_json(409, {"code": "409", "message": message})
            return
        version = self.store.stamp({"state": "LIVE", **body})
        self.store.versions[version["id"]] = version
        self.send_json(201, version)

    def _get_model_versions(self, rest: list[str], _query: dict[str, str]) -> None:
        if not rest or rest[0] not in self.store.versions:
            self._missing("model version")
        elif len(rest) == 1:
            self.send_json(200, self.store.versions[rest[0]])
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
        self.send_json(200, artifact)

    def _get_model_artifact(self, _rest: list[str], query: dict[str, str]) -> None:
        ids = self.store.links.get(query.get("parentResourceId", ""), [])
        found = [self.store.artifacts[a] for a in ids
                 if self.store.artifacts[a].get("name") == query.get("name")]
        if found:
            self.send_json(200, found[0])
        else:
            self._missing(f"model artifact {query.get('name')}")


class ModelRegistryDouble(LoopbackServer):
    """The double on a free loopback port; ``url`` (after ``kubeflow+``) is what the backend
    opens."""

    def __init__(self) -> None:
        self.store = Store()
        super().__init__(type("BoundHandler", (Handler,), {"store": self.store}))
