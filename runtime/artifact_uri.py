"""Where a step reads an artifact or data folder from: a path, a ``file://`` URI, or an
object-store URI (``s3://``, ``minio://``, ``gs://``).

Object-store URIs are read where KFP's launcher mounts them, else downloaded by
:mod:`ideko.runtime.objectstore` (imported only then). ``lakefs://`` data goes through the
versioned sources (``ideko.runtime.data.sources``); ``http(s)://`` is "not supported yet".
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from ideko.runtime.errors import UserError

# Schemes no artifact or data directory can come from yet.
UNSUPPORTED_SCHEMES = ("lakefs", "http", "https")

# Where KFP's launcher mounts object stores (kfp.dsl.Artifact.path uses the same prefixes).
MOUNTS: dict[str, str] = {"gs": "/gcs", "s3": "/s3", "minio": "/minio"}


def _plain(value: str) -> Path | None:
    """The path of a plain path or ``file://`` URI (a drive letter is no scheme); else None."""
    parsed = urlparse(value)
    if parsed.scheme == "file":
        return Path(unquote(parsed.path))
    if parsed.scheme == "" or len(parsed.scheme) == 1:
        return Path(value)
    return None


def local_path(value: str, what: str = "path") -> Path:
    """A local path from a plain path, a ``file://`` URI, or an object-store URI: read where
    KFP mounts its bucket (``s3://b/k`` -> ``/s3/b/k``), else downloaded once per process."""
    plain = _plain(value)
    if plain is not None:
        return plain
    parsed = urlparse(value)
    mount = MOUNTS.get(parsed.scheme)
    if mount is None:
        raise UserError(
            f"{what} {value!r}: scheme {parsed.scheme}:// is not readable here; "
            f"use a local path or one of {', '.join(f'{s}://' for s in MOUNTS)}"
        )
    mounted = Path(mount) / parsed.netloc / unquote(parsed.path).lstrip("/")
    if mounted.exists():
        return mounted
    from ideko.runtime.objectstore import fetch

    return fetch(value, what)


def local_dir(uri: str, what: str = "data_uri") -> Path:
    """An existing local directory from a path (relative to the cwd), a ``file://`` URI or an
    object-store prefix (mounted or downloaded, as :func:`local_path`)."""
    scheme = urlparse(uri).scheme
    if scheme == "lakefs":
        raise UserError(
            f"{what} {uri!r}: lakeFS data is read as a versioned source (data_uri "
            "lakefs://REPO/PATH with data_ref), not as a folder path"
        )
    if scheme in UNSUPPORTED_SCHEMES:
        raise UserError(
            f"{what} {uri!r}: {scheme}:// sources are not supported yet; "
            "download the data and pass a local directory"
        )
    path = _plain(uri)
    if path is None:
        if scheme not in MOUNTS:
            raise UserError(f"{what} {uri!r}: unknown scheme {scheme}://")
        path = local_path(uri, what)
    if not path.is_dir():
        problem = "does not exist" if not path.exists() else "is not a directory"
        raise UserError(f"{what} {uri!r} {problem}")
    return path.resolve()


def artifact_path(artifact: Any) -> str:
    """The local path of a KFP artifact object, or the value itself when it is a path."""
    if isinstance(artifact, str | os.PathLike):
        return os.fspath(artifact)
    path = getattr(artifact, "path", None)
    if not path:
        raise UserError(f"{artifact!r} has no local .path")
    return str(path)
