"""The lakeFS source, through lakeFS's official Python clients (``lakefs`` on ``lakefs-sdk``).

URI: ``lakefs://REPO/PATH`` (the ref is separate: the pipeline's ``data_ref``). The endpoint
and keys come from the environment under lakectl's names (``ideko.schema.env``); the
compiler sets the endpoint on the preprocess pod and maps a Kubernetes secret onto the keys.
Objects are read at a *commit* id, so a branch that moves during a run cannot change what the
run reads. Uploads go through the SDK's direct (non-presigned) object upload; a failed
upload resets the branch's uncommitted changes, so nothing half-written is ever committed.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from ideko.runtime.data.errors import DataError
from ideko.runtime.data.sources.records import Change, CommitInfo
from ideko.schema import env

SCHEME = "lakefs://"
API_PATH = "/api/v1"  # the REST API's base path (lakectl's endpoint URL omits it)
# Connection attempts per request: a step's retry policy, not the client, rides out outages.
CONNECT_RETRIES = 1
CHANGE_KINDS = {"added": "added", "removed": "removed", "changed": "changed"}


def parse_uri(uri: str) -> tuple[str, str]:
    """``lakefs://REPO/PATH`` -> (REPO, PATH)."""
    parsed = urlparse(uri)
    path = parsed.path.strip("/")
    if parsed.scheme != "lakefs" or not parsed.netloc or not path:
        raise DataError(f"{uri!r}: expected lakefs://REPO/PATH (the ref is the data_ref parameter)")
    return parsed.netloc, path


def client_settings(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The lakeFS client's host and keys from the environment; an error names what is missing."""
    source = os.environ if environ is None else environ
    endpoint = source.get(env.LAKEFS_ENDPOINT, "").strip().rstrip("/")
    key = source.get(env.LAKEFS_ACCESS_KEY_ID, "")
    secret = source.get(env.LAKEFS_SECRET_ACCESS_KEY, "")
    missing = [
        name
        for name, value in (
            (env.LAKEFS_ENDPOINT, endpoint),
            (env.LAKEFS_ACCESS_KEY_ID, key),
            (env.LAKEFS_SECRET_ACCESS_KEY, secret),
        )
        if not value
    ]
    if missing:
        raise DataError(
            f"lakeFS source needs {', '.join(missing)} (the spec's data.source.lakefs.credentials "
            "secret sets the keys in a pod; set them in the environment for ideko run / ideko data)"
        )
    if not endpoint.endswith(API_PATH):
        endpoint += API_PATH
    return {"host": endpoint, "username": key, "password": secret}


class LakeFSSource:
    """One data folder in one lakeFS repository."""

    kind = "lakefs"

    def __init__(self, uri: str, environ: Mapping[str, str] | None = None) -> None:
        self.uri = uri
        self.repository, self.path = parse_uri(uri)
        self._environ = environ
        self._client: Any = None
        self.endpoint = "?"
        self._materialized: dict[str, Path] = {}

    # -- clients ---------------------------------------------------------------------------
    @property
    def client(self) -> Any:
        if self._client is None:
            import lakefs

            settings = client_settings(self._environ)
            self._client = lakefs.Client(**settings)
            self._client.config.retries = CONNECT_RETRIES
            self.endpoint = settings["host"]
        return self._client

    def _repo(self) -> Any:
        import lakefs

        return lakefs.Repository(self.repository, client=self.client)

    @contextmanager
    def _errors(self, what: str) -> Iterator[None]:
        """lakeFS client failures as one DataError naming the repository, ref or endpoint."""
        from lakefs.exceptions import (
            ConflictException,
            NotAuthorizedException,
            NotFoundException,
            ServerException,
        )
        from urllib3.exceptions import HTTPError

        try:
            yield
        except NotFoundException as exc:
            raise DataError(
                f"{self.uri}: {what}: not found in lakeFS repository {self.repository!r} "
                f"({_reason(exc)})"
            ) from exc
        except NotAuthorizedException as exc:
            raise DataError(
                f"{self.uri}: {what}: lakeFS refused the credentials ({_reason(exc)})"
            ) from exc
        except ConflictException as exc:
            raise DataError(f"{self.uri}: {what}: conflict ({_reason(exc)})") from exc
        except ServerException as exc:
            raise DataError(
                f"{self.uri}: {what}: lakeFS error {exc.status_code} ({_reason(exc)})"
            ) from exc
        except (HTTPError, OSError) as exc:
            raise DataError(
                f"{self.uri}: {what}: lakeFS endpoint {self.endpoint} did not answer "
                f"({type(exc).__name__}: {exc})"
            ) from exc

    # -- reading -------------------------------------------------------------------------
    def run_branch_name(self, run_id: str) -> str:
        return f"ideko-{run_id}"  # lakeFS branch names take no '/'

    def default_ref(self) -> str:
        with self._errors("reading the repository"):
            return str(self._repo().properties.default_branch)

    def resolve(self, ref: str) -> str:
        with self._errors(f"ref {ref!r}"):
            return str(self._repo().ref(ref).get_commit().id)

    def _objects(self, commit: str) -> list[Any]:
        prefix = self.path.rstrip("/") + "/"
        with self._errors(f"listing {self.path} at {commit}"):
            return [
                o for o in self._repo().ref(commit).objects(prefix=prefix) if hasattr(o, "checksum")
            ]

    def files(self, ref: str) -> list[str]:
        prefix = self.path.rstrip("/") + "/"
        return sorted(o.path[len(prefix) :] for o in self._objects(self.resolve(ref)))

    def materialize(self, commit: str) -> Path:
        cached = self._materialized.get(commit)
        if cached is not None and cached.is_dir():
            return cached
        objects = self._objects(commit)
        if not objects:
            raise DataError(f"{self.uri}: no objects under {self.path}/ at commit {commit}")
        target = Path(tempfile.mkdtemp(prefix="ideko-lakefs-")) / Path(self.path).name
        atexit.register(shutil.rmtree, target.parent, True)  # a copy for this process only
        prefix = self.path.rstrip("/") + "/"
        ref = self._repo().ref(commit)
        try:
            with self._errors(f"reading {self.path} at {commit}"):
                for item in objects:
                    destination = target / item.path[len(prefix) :]
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    with ref.object(item.path).reader(mode="rb", pre_sign=False) as reader:
                        destination.write_bytes(reader.read())
        except BaseException:
            shutil.rmtree(target.parent, ignore_errors=True)
            raise
        self._materialized[commit] = target
        return target

    def diff(self, left: str, right: str) -> list[Change]:
        prefix = self.path.rstrip("/") + "/"
        with self._errors(f"diff {left}..{right}"):
            changes = self._repo().ref(left).diff(other_ref=right, prefix=prefix)
            return sorted(
                (
                    Change(c.path[len(prefix) :], CHANGE_KINDS[c.type])
                    for c in changes
                    if c.type in CHANGE_KINDS
                ),
                key=lambda c: c.path,
            )

    # -- history ---------------------------------------------------------------------------
    def log(self, ref: str, limit: int) -> list[CommitInfo]:
        with self._errors(f"log of {ref!r}"):
            return [_commit(c) for c in self._repo().ref(ref).log(max_amount=limit)]

    def commit_info(self, ref: str) -> CommitInfo:
        with self._errors(f"ref {ref!r}"):
            return _commit(self._repo().ref(ref).get_commit())

    def branches(self) -> dict[str, str]:
        with self._errors("listing branches"):
            return {b.id: b.get_commit().id for b in self._repo().branches()}

    def tags(self) -> dict[str, str]:
        with self._errors("listing tags"):
            return {t.id: t.get_commit().id for t in self._repo().tags()}

    def create_branch(self, name: str, source_ref: str) -> str:
        with self._errors(f"branch {name!r} from {source_ref!r}"):
            return str(
                self._repo().branch(name).create(source_reference=source_ref).get_commit().id
            )

    def create_tag(self, name: str, ref: str) -> str:
        with self._errors(f"tag {name!r} at {ref!r}"):
            return str(self._repo().tag(name).create(ref).get_commit().id)

    def merge(self, source_ref: str, into: str, message: str) -> str:
        with self._errors(f"merge {source_ref!r} into {into!r}"):
            self._repo().ref(source_ref).merge_into(into, message=message)
            return self.resolve(into)

    def revert(self, branch: str, commit: str, message: str) -> str:
        with self._errors(f"revert {commit!r} on {branch!r}"):
            return str(self._repo().branch(branch).revert(commit, parent_number=0).id)

    def import_tree(self, folder: Path, branch: str, message: str, metadata: dict[str, str]) -> str:
        """Upload ``folder`` as the data folder on ``branch`` (objects no longer present are
        deleted) and commit once; any failure resets the branch's uncommitted changes."""
        prefix = self.path.rstrip("/") + "/"
        files = sorted(p for p in Path(folder).rglob("*") if p.is_file())
        target = self._repo().branch(branch)
        with self._errors(f"import into {branch!r}"):
            head = target.get_commit().id
            present = {o.path for o in self._objects(head)}
            try:
                wanted = set()
                for path in files:
                    key = prefix + path.relative_to(folder).as_posix()
                    wanted.add(key)
                    target.object(key).upload(path.read_bytes(), mode="wb", pre_sign=False)
                stale = sorted(present - wanted)
                if stale:
                    target.delete_objects(stale)
                return str(target.commit(message=message, metadata=metadata).get_commit().id)
            except BaseException:
                target.reset_changes(path_type="reset")
                raise


def _reason(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict) and body.get("message"):
        return str(body["message"])
    return str(getattr(exc, "reason", "") or exc)


def _commit(commit: Any) -> CommitInfo:
    return CommitInfo(
        id=str(commit.id),
        message=str(commit.message),
        author=str(commit.committer),
        time=int(commit.creation_date),
        parents=tuple(commit.parents or ()),
        metadata=dict(commit.metadata or {}),
    )
