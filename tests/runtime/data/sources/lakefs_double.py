"""A loopback HTTP double of the part of lakeFS's REST API that ideko's lakeFS source uses.

Written from lakeFS's OpenAPI document (api/swagger.yml, ``/api/v1``) and driven only through
the official clients (``lakefs`` 0.16 on ``lakefs-sdk`` 1.88), whose pydantic models check
every response. It reports server version ``LAKEFS_VERSION`` (the SDK's own version: the API
pinned) and ``pre_sign_support: false`` (else the SDK stages uploads through presigned URLs).

Scope (everything else answers 501): config, repository, get commit by any ref, log, list
objects, get/HEAD object (with Range), diff between refs, branches (list/get/create/reset),
tags (list/get/create), upload (``Transfer-Encoding: chunked`` bodies, as the SDK sends
them), delete objects, commit, merge (fast, no conflict detection: a conflict is a 409 only
when both sides changed one path), revert of a non-merge commit. Basic auth is checked
against one key pair. It cannot show: real merge conflict rules, hooks, auth policies,
presigned URLs, garbage collection, import from object stores, the S3 gateway.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import socket
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from loopback_http import LoopbackHandler, LoopbackServer

LAKEFS_VERSION = "1.88.0"
ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


@dataclass
class Commit:
    id: str
    parents: list[str]
    message: str
    metadata: dict[str, str]
    tree: dict[str, bytes]
    creation_date: int

    def body(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "parents": self.parents,
            "committer": "ideko",
            "message": self.message,
            "creation_date": self.creation_date,
            "meta_range_id": hashlib.sha256(repr(sorted(self.tree)).encode()).hexdigest(),
            "metadata": self.metadata,
            "generation": len(self.parents),
            "version": 1,
        }


@dataclass
class Repository:
    name: str
    default_branch: str = "main"
    commits: dict[str, Commit] = field(default_factory=dict)
    branches: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    staging: dict[str, dict[str, bytes | None]] = field(default_factory=dict)


class LakeFSState:
    """The double's repositories; ``fail_uploads_after`` makes the N+1th upload answer 500."""

    def __init__(self) -> None:
        self.repositories: dict[str, Repository] = {}
        self.lock = threading.Lock()
        self.clock = 1_760_000_000
        self.fail_uploads_after: int | None = None
        self.uploads = 0
        self.requests: list[tuple[str, str, dict[str, str]]] = []  # (method, path, headers)
        self.on_request: Any = None  # called with (method, path) before each answer

    def create_repository(self, name: str, default_branch: str = "main") -> Repository:
        repo = Repository(name, default_branch)
        root = self.new_commit(repo, [], "Repository created", {}, {})
        repo.branches[default_branch] = root.id
        self.repositories[name] = repo
        return repo

    def new_commit(
        self,
        repo: Repository,
        parents: list[str],
        message: str,
        metadata: dict[str, str],
        tree: dict[str, bytes],
    ) -> Commit:
        self.clock += 60
        digest = hashlib.sha256(
            json.dumps(
                [
                    parents,
                    message,
                    metadata,
                    sorted((p, _etag(b)) for p, b in tree.items()),
                    self.clock,
                ]
            ).encode()
        ).hexdigest()
        commit = Commit(digest, parents, message, metadata, dict(tree), self.clock)
        repo.commits[digest] = commit
        return commit

    def commit_files(
        self, repo_name: str, branch: str, files: dict[str, bytes], message: str
    ) -> str:
        """Commit ``files`` (replacing the tree) on ``branch`` as another client would."""
        with self.lock:
            repo = self.repositories[repo_name]
            head = repo.branches[branch]
            commit = self.new_commit(repo, [head], message, {}, files)
            repo.branches[branch] = commit.id
            return commit.id


def _etag(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def _pagination(count: int) -> dict[str, Any]:
    return {"has_more": False, "next_offset": "", "results": count, "max_per_page": 1000}


class _Reply(Exception):
    def __init__(
        self, status: int, body: Any = None, content_type: str = "application/json"
    ) -> None:
        self.status, self.body, self.content_type = status, body, content_type


def _error(status: int, message: str) -> _Reply:
    return _Reply(status, {"message": message})


class Handler(LoopbackHandler):
    state: LakeFSState  # set on the subclass the server builds
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # headers and body are two writes: without this, delayed ACKs cost ~40 ms a request
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _send(self, reply: _Reply, head: bool = False) -> None:
        if isinstance(reply.body, bytes):
            payload = reply.body
        elif reply.body is None:
            payload = b""
        elif reply.content_type == "application/json":
            payload = json.dumps(reply.body).encode()
        else:
            payload = str(reply.body).encode()
        headers = getattr(reply, "headers", {})
        self.send_bytes(reply.status, payload, reply.content_type, headers, head=head)

    def _handle(self) -> None:
        method = self.command
        url = urlparse(self.path)
        body = self.read_body() if method in ("POST", "PUT") else b""
        self.state.requests.append((method, url.path, dict(self.headers)))
        if self.state.on_request is not None:
            self.state.on_request(method, url.path)
        try:
            if not url.path.startswith("/api/v1/"):
                raise _error(404, f"no route {url.path}")
            self._authorise()
            with self.state.lock:
                route(
                    self.state,
                    method,
                    url.path[len("/api/v1") :],
                    parse_qs(url.query),
                    body,
                    self.headers,
                )
            raise _error(501, "not implemented by the double")
        except _Reply as reply:
            self._send(reply, head=method == "HEAD")

    def _authorise(self) -> None:
        header = self.headers.get("Authorization", "")
        expected = "Basic " + base64.b64encode(f"{ACCESS_KEY}:{SECRET_KEY}".encode()).decode()
        if header != expected:
            raise _error(401, "error authenticating request")

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = _handle


def _repo(state: LakeFSState, name: str) -> Repository:
    repo = state.repositories.get(name)
    if repo is None:
        raise _error(404, f"repository not found: {name}")
    return repo


def _resolve(repo: Repository, ref: str) -> Commit:
    commit_id = (
        repo.branches.get(ref) or repo.tags.get(ref) or (ref if ref in repo.commits else None)
    )
    if commit_id is None:
        matches = [c for c in repo.commits if len(ref) >= 6 and c.startswith(ref)]
        commit_id = matches[0] if len(matches) == 1 else None
    if commit_id is None:
        raise _error(404, f"not found: {ref}")
    return repo.commits[commit_id]


def _tree(repo: Repository, ref: str) -> dict[str, bytes]:
    """A ref's objects; a branch includes its uncommitted (staged) changes, as lakeFS reads."""
    tree = dict(_resolve(repo, ref).tree)
    for path, data in repo.staging.get(ref, {}).items() if ref in repo.branches else ():
        if data is None:
            tree.pop(path, None)
        else:
            tree[path] = data
    return tree


def _stats(path: str, data: bytes, mtime: int) -> dict[str, Any]:
    return {
        "path": path,
        "path_type": "object",
        "physical_address": f"local://double/{_etag(data)}",
        "checksum": _etag(data),
        "size_bytes": len(data),
        "mtime": mtime,
        "content_type": "application/octet-stream",
        "metadata": {},
    }


def _ref_list(refs: dict[str, str]) -> dict[str, Any]:
    results = [{"id": name, "commit_id": commit} for name, commit in sorted(refs.items())]
    return {"pagination": _pagination(len(results)), "results": results}


def _changes(
    before: dict[str, bytes], after: dict[str, bytes], prefix: str
) -> list[dict[str, Any]]:
    out = []
    for path in sorted(set(before) | set(after)):
        if not path.startswith(prefix):
            continue
        if path not in before:
            kind = "added"
        elif path not in after:
            kind = "removed"
        elif before[path] != after[path]:
            kind = "changed"
        else:
            continue
        out.append(
            {
                "type": kind,
                "path": path,
                "path_type": "object",
                "size_bytes": len(after.get(path, b"")),
            }
        )
    return out


ROUTES = [
    ("GET", r"/config"),
    ("GET", r"/config/storage"),
    ("GET", r"/repositories/(?P<repo>[^/]+)"),
    ("GET", r"/repositories/(?P<repo>[^/]+)/commits/(?P<ref>.+)"),
    ("GET", r"/repositories/(?P<repo>[^/]+)/refs/(?P<ref>.+)/commits"),
    ("GET", r"/repositories/(?P<repo>[^/]+)/refs/(?P<ref>.+)/objects/ls"),
    ("GET", r"/repositories/(?P<repo>[^/]+)/refs/(?P<ref>.+)/objects"),
    ("HEAD", r"/repositories/(?P<repo>[^/]+)/refs/(?P<ref>.+)/objects"),
    ("GET", r"/repositories/(?P<repo>[^/]+)/refs/(?P<left>.+)/diff/(?P<right>.+)"),
    ("POST", r"/repositories/(?P<repo>[^/]+)/refs/(?P<ref>.+)/merge/(?P<branch>.+)"),
    ("GET", r"/repositories/(?P<repo>[^/]+)/branches"),
    ("POST", r"/repositories/(?P<repo>[^/]+)/branches"),
    ("POST", r"/repositories/(?P<repo>[^/]+)/branches/(?P<branch>.+)/objects/delete"),
    ("POST", r"/repositories/(?P<repo>[^/]+)/branches/(?P<branch>.+)/objects"),
    ("POST", r"/repositories/(?P<repo>[^/]+)/branches/(?P<branch>.+)/commits"),
    ("POST", r"/repositories/(?P<repo>[^/]+)/branches/(?P<branch>.+)/revert"),
    ("GET", r"/repositories/(?P<repo>[^/]+)/branches/(?P<branch>.+)"),
    ("PUT", r"/repositories/(?P<repo>[^/]+)/branches/(?P<branch>.+)"),
    ("GET", r"/repositories/(?P<repo>[^/]+)/tags"),
    ("POST", r"/repositories/(?P<repo>[^/]+)/tags"),
    ("GET", r"/repositories/(?P<repo>[^/]+)/tags/(?P<tag>.+)"),
]


def route(
    state: LakeFSState,
    method: str,
    path: str,
    query: dict[str, list[str]],
    body: bytes,
    headers: Any,
) -> None:
    """Answer one request by raising a :class:`_Reply` (so every path ends in one place)."""
    for verb, pattern in ROUTES:
        match = re.fullmatch(pattern, path)
        if verb == method and match:
            params = {k: unquote(v) for k, v in match.groupdict().items()}
            q = {k: v[0] for k, v in query.items()}
            _dispatch(state, method, pattern, params, q, body, headers)
    raise _error(501, f"{method} {path} is outside the double's scope")


def _dispatch(
    state: LakeFSState,
    method: str,
    pattern: str,
    p: dict[str, str],
    q: dict[str, str],
    body: bytes,
    headers: Any,
) -> None:
    if pattern.startswith("/config"):
        storage = {
            "blockstore_type": "local",
            "blockstore_namespace_example": "local://example",
            "blockstore_namespace_ValidityRegex": "^local://",
            "pre_sign_support": False,
            "pre_sign_support_ui": False,
            "import_support": False,
            "import_validity_regex": "^local://",
        }
        if pattern == "/config/storage":
            raise _Reply(200, storage)
        raise _Reply(
            200, {"version_config": {"version": LAKEFS_VERSION}, "storage_config": storage}
        )
    repo = _repo(state, p["repo"])
    tail = pattern.split("(?P<repo>[^/]+)", 1)[1]
    is_json = headers.get("Content-Type", "").startswith("application/json")
    data = json.loads(body) if body and is_json else None
    if tail == "":
        raise _Reply(
            200,
            {
                "id": repo.name,
                "creation_date": 1_760_000_000,
                "default_branch": repo.default_branch,
                "storage_namespace": f"local://{repo.name}",
            },
        )
    if tail.startswith("/commits/"):
        raise _Reply(200, _resolve(repo, p["ref"]).body())
    if tail.endswith("/refs/(?P<ref>.+)/commits"):
        commit, out = _resolve(repo, p["ref"]), []
        limit = int(q.get("amount", "100"))
        while commit is not None and len(out) < limit:
            out.append(commit.body())
            commit = repo.commits[commit.parents[0]] if commit.parents else None
        raise _Reply(200, {"pagination": _pagination(len(out)), "results": out})
    if tail.endswith("/objects/ls"):
        created = _resolve(repo, p["ref"]).creation_date
        prefix, after = q.get("prefix", ""), q.get("after", "")
        items = [
            _stats(k, v, created)
            for k, v in sorted(_tree(repo, p["ref"]).items())
            if k.startswith(prefix) and k > after
        ]
        raise _Reply(200, {"pagination": _pagination(len(items)), "results": items})
    if tail.endswith("/refs/(?P<ref>.+)/objects"):
        content = _tree(repo, p["ref"]).get(q.get("path", ""))
        if content is None:
            raise _error(404, f"object not found: {q.get('path')}")
        reply = _Reply(200, content, "application/octet-stream")
        wanted = headers.get("Range")
        if wanted:
            start, _, end = wanted.removeprefix("bytes=").partition("-")
            last = min(int(end) if end else len(content) - 1, len(content) - 1)
            reply = _Reply(206, content[int(start) : last + 1], "application/octet-stream")
            reply.headers = {"Content-Range": f"bytes {start}-{last}/{len(content)}"}  # type: ignore[attr-defined]
        else:
            reply.headers = {"ETag": f'"{_etag(content)}"'}  # type: ignore[attr-defined]
        raise reply
    if "/diff/" in tail:
        before, after = _tree(repo, p["left"]), _tree(repo, p["right"])
        results = _changes(before, after, q.get("prefix", ""))
        raise _Reply(200, {"pagination": _pagination(len(results)), "results": results})
    if "/merge/" in tail:
        source, target = _resolve(repo, p["ref"]), _resolve(repo, p["branch"])
        base = _merge_base(repo, source.id, target.id)
        ours = _changes(base.tree, target.tree, "")
        theirs = _changes(base.tree, source.tree, "")
        clash = {c["path"] for c in ours} & {c["path"] for c in theirs}
        clash = {x for x in clash if source.tree.get(x) != target.tree.get(x)}
        if clash:
            raise _Reply(409, {"reference": ""})
        tree = dict(target.tree)
        for change in theirs:
            if change["type"] == "removed":
                tree.pop(change["path"], None)
            else:
                tree[change["path"]] = source.tree[change["path"]]
        merged = state.new_commit(
            repo,
            [target.id, source.id],
            (data or {}).get("message") or f"Merge '{p['ref']}' into '{p['branch']}'",
            (data or {}).get("metadata") or {},
            tree,
        )
        repo.branches[p["branch"]] = merged.id
        raise _Reply(200, {"reference": merged.id})
    if tail == "/branches" and method == "GET":
        raise _Reply(200, _ref_list(repo.branches))
    if tail == "/branches":
        commit = _new_ref(repo, repo.branches, "branch", data["name"], data["source"])
        raise _Reply(201, commit, "text/html")
    if tail.endswith("/objects/delete"):
        staged = _staging(repo, p["branch"])
        for path in data["paths"]:
            staged[path] = None
        raise _Reply(200, {"errors": []})
    if tail.endswith("/objects"):
        if state.fail_uploads_after is not None and state.uploads >= state.fail_uploads_after:
            raise _error(500, "storage backend failed (injected fault)")
        state.uploads += 1
        _staging(repo, p["branch"])[q["path"]] = body
        raise _Reply(201, _stats(q["path"], body, state.clock))
    if tail.endswith("/commits"):
        branch = p["branch"]
        head = _resolve(repo, branch)
        staged = repo.staging.pop(branch, {})
        if not staged:
            raise _error(400, "commit: no changes")
        commit = state.new_commit(
            repo, [head.id], data["message"], data.get("metadata") or {}, _apply(head.tree, staged)
        )
        repo.branches[branch] = commit.id
        raise _Reply(201, commit.body())
    if tail.endswith("/revert"):
        head = _resolve(repo, p["branch"])
        undone = _resolve(repo, data["ref"])
        if len(undone.parents) != 1:
            raise _error(400, "the double reverts only non-merge commits")
        parent = repo.commits[undone.parents[0]].tree
        tree = dict(head.tree)
        for change in _changes(parent, undone.tree, ""):
            if change["type"] == "added":
                tree.pop(change["path"], None)
            else:
                tree[change["path"]] = parent[change["path"]]
        commit = state.new_commit(repo, [head.id], f"Revert {undone.id}", {}, tree)
        repo.branches[p["branch"]] = commit.id
        raise _Reply(204)
    if "/branches/" in tail and method == "GET":
        if p["branch"] not in repo.branches:
            raise _error(404, f"branch not found: {p['branch']}")
        raise _Reply(200, {"id": p["branch"], "commit_id": repo.branches[p["branch"]]})
    if "/branches/" in tail and method == "PUT":
        if data.get("type") != "reset":
            raise _error(400, "the double resets whole branches only")
        repo.staging.pop(p["branch"], None)
        raise _Reply(204)
    if tail == "/tags" and method == "GET":
        raise _Reply(200, _ref_list(repo.tags))
    if tail == "/tags":
        commit = _new_ref(repo, repo.tags, "tag", data["id"], data["ref"])
        raise _Reply(201, {"id": data["id"], "commit_id": commit})
    if "/tags/" in tail:
        if p["tag"] not in repo.tags:
            raise _error(404, f"tag not found: {p['tag']}")
        raise _Reply(200, {"id": p["tag"], "commit_id": repo.tags[p["tag"]]})


def _new_ref(repo: Repository, refs: dict[str, str], kind: str, name: str, at: str) -> str:
    """Point a new branch or tag ``name`` at what ``at`` resolves to (409 if it exists)."""
    if name in refs:
        raise _error(409, f"{kind} already exists: {name}")
    refs[name] = _resolve(repo, at).id
    return refs[name]


def _staging(repo: Repository, branch: str) -> dict[str, bytes | None]:
    if branch not in repo.branches:
        raise _error(404, f"branch not found: {branch}")
    return repo.staging.setdefault(branch, {})


def _apply(tree: dict[str, bytes], staged: dict[str, bytes | None]) -> dict[str, bytes]:
    out = dict(tree)
    for path, data in staged.items():
        if data is None:
            out.pop(path, None)
        else:
            out[path] = data
    return out


def _merge_base(repo: Repository, left: str, right: str) -> Commit:
    def ancestors(start: str) -> list[str]:
        seen, queue = [], [start]
        while queue:
            current = queue.pop(0)
            if current not in seen:
                seen.append(current)
                queue.extend(repo.commits[current].parents)
        return seen

    right_side = set(ancestors(right))
    return repo.commits[next(c for c in ancestors(left) if c in right_side)]


class LakeFSDouble(LoopbackServer):
    """The double on a free loopback port; ``url`` is the endpoint lakectl and the SDK use."""

    def __init__(self) -> None:
        self.state = LakeFSState()
        super().__init__(type("BoundHandler", (Handler,), {"state": self.state}))

    def environ(self) -> dict[str, str]:
        from ideko.schema import env

        return {
            env.LAKEFS_ENDPOINT: self.url,
            env.LAKEFS_ACCESS_KEY_ID: ACCESS_KEY,
            env.LAKEFS_SECRET_ACCESS_KEY: SECRET_KEY,
        }
