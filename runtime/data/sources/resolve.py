"""The one entry point to data sources: which source a data URI names, and what a ref pins.

``pin`` turns (data_uri, data_ref) into a :class:`DataVersion` whose ``commit`` is immutable
(the local runner calls it at run start and passes the commit as ``data_ref``, so KFP's cache
key changes exactly when the data does). ``materialize`` gives the preprocess step a local
tree plus that record. A ref that is already a commit id is still checked to exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ideko.runtime.data.sources.records import DataVersion, VersionedSource

LAKEFS_SCHEME = "lakefs://"
DVC_SCHEME = "dvc+"


def is_versioned(data_uri: str) -> bool:
    """True for a lakeFS or DVC/git data URI (a ref means something there)."""
    return data_uri.startswith((LAKEFS_SCHEME, DVC_SCHEME))


def open_source(data_uri: str, environ: Mapping[str, str] | None = None) -> VersionedSource:
    """The versioned source ``data_uri`` names (lakefs://REPO/PATH or dvc+REPO#PATH)."""
    if data_uri.startswith(LAKEFS_SCHEME):
        from ideko.runtime.data.sources.lakefs import LakeFSSource

        return LakeFSSource(data_uri, environ)
    if data_uri.startswith(DVC_SCHEME):
        from ideko.runtime.data.sources.dvc import DvcSource

        return DvcSource(data_uri)
    from ideko.runtime.data.errors import DataError

    raise DataError(
        f"{data_uri!r} is not a versioned data source; use lakefs://REPO/PATH or dvc+REPO#PATH"
    )


def pin(data_uri: str, data_ref: str, environ: Mapping[str, str] | None = None) -> DataVersion:
    """The immutable version (data_uri, data_ref) names now; local sources have no commit."""
    if not is_versioned(data_uri):
        from ideko.runtime.data.sources.local import check_no_ref

        check_no_ref(data_uri, data_ref)
        return DataVersion("local", data_uri, None, None)
    source = open_source(data_uri, environ)
    ref = data_ref or source.default_ref()  # empty: git's HEAD, lakeFS's default branch
    return DataVersion(source.kind, data_uri, ref, source.resolve(ref))


def materialize(data_uri: str, data_ref: str) -> tuple[Path, DataVersion]:
    """A local directory with the data (data_uri at data_ref) and the version record."""
    if not is_versioned(data_uri):
        from ideko.runtime.data.sources.local import materialize_local

        return materialize_local(data_uri, data_ref)
    source = open_source(data_uri)
    ref = data_ref or source.default_ref()
    commit = source.resolve(ref)
    return source.materialize(commit), DataVersion(source.kind, data_uri, ref, commit)
