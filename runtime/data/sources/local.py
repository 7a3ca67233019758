"""The plain local (or object-store) source: no history, so no commit; the content
fingerprint the reader computes stays its identity, as before versioned sources existed."""

from __future__ import annotations

from pathlib import Path

from ideko.runtime.artifact_uri import local_dir
from ideko.runtime.data.sources.records import DataVersion


def check_no_ref(data_uri: str, data_ref: str) -> None:
    """A ``data_ref`` on an unversioned source is a mistake worth naming, not ignoring."""
    from ideko.runtime.data.errors import DataError

    if data_ref:
        raise DataError(
            f"data_ref {data_ref!r} given, but data_uri {data_uri!r} is not a versioned source "
            "(lakefs://REPO/PATH or dvc+REPO#PATH); leave data_ref empty"
        )


def materialize_local(data_uri: str, data_ref: str) -> tuple[Path, DataVersion]:
    """The directory ``data_uri`` names, recorded without a commit."""
    check_no_ref(data_uri, data_ref)
    return local_dir(data_uri), DataVersion("local", data_uri, None, None)
