"""What every versioned source hands back: a pinned version, a commit, a changed file.

``DataVersion`` is the dataset metadata's ``data_version`` record (its shape is an agreed
interface: the registry copies ``commit`` into its version tags, lineage records it).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Protocol

SourceKind = Literal["local", "dvc", "lakefs"]

# A full git commit (sha1/sha256) or a lakeFS commit id (64 hex): what "immutable" means here.
COMMIT_ID = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")

# Commit metadata keys ``ideko data import`` writes (lakeFS commit metadata, git trailers).
QUALITY_KEYS = ("ideko.quality.verdict", "ideko.quality.num_series", "ideko.quality.reasons")


def is_commit_id(ref: str) -> bool:
    """True when ``ref`` is spelled as a full commit id (not a branch or tag name)."""
    return bool(COMMIT_ID.match(ref))


@dataclass(frozen=True)
class DataVersion:
    """Which data a run read: the source kind, its URI, the ref asked for, the commit read."""

    source: SourceKind
    uri: str
    ref: str | None
    commit: str | None  # immutable id; None for a plain local path

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def label(self) -> str:
        """``uri @ commit (ref)`` for reports and messages."""
        if self.commit is None:
            return self.uri
        asked = f" ({self.ref})" if self.ref and self.ref != self.commit else ""
        return f"{self.uri} @ {self.commit}{asked}"


@dataclass(frozen=True)
class CommitInfo:
    """One commit of a versioned source, as ``ideko data log/show`` print it."""

    id: str
    message: str
    author: str
    time: int  # Unix seconds
    parents: tuple[str, ...] = ()
    metadata: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "parents": list(self.parents)}


@dataclass(frozen=True)
class Change:
    """A file added, removed or changed between two refs (path relative to the data folder)."""

    path: str
    kind: Literal["added", "removed", "changed"]


class VersionedSource(Protocol):
    """What ``resolve`` and ``ideko data …`` need from a versioned source."""

    kind: SourceKind
    uri: str

    def default_ref(self) -> str:
        """The ref an empty ``data_ref`` means (git's HEAD, lakeFS's default branch)."""
        ...

    def run_branch_name(self, run_id: str) -> str:
        """The per-run isolation branch's name in this store."""
        ...

    def resolve(self, ref: str) -> str:
        """The immutable commit id ``ref`` names now; a clear error naming an unknown ref."""
        ...

    def materialize(self, commit: str) -> Any:
        """A local directory holding the data folder exactly as it is at ``commit``."""
        ...

    def log(self, ref: str, limit: int) -> list[CommitInfo]: ...

    def commit_info(self, ref: str) -> CommitInfo: ...

    def diff(self, left: str, right: str) -> list[Change]: ...

    def files(self, ref: str) -> list[str]:
        """Every file path (relative to the data folder) at ``ref``."""
        ...

    def branches(self) -> dict[str, str]: ...

    def tags(self) -> dict[str, str]: ...

    def create_branch(self, name: str, source_ref: str) -> str: ...

    def create_tag(self, name: str, ref: str) -> str: ...

    def merge(self, source_ref: str, into: str, message: str) -> str: ...

    def revert(self, branch: str, commit: str, message: str) -> str: ...

    def import_tree(
        self, folder: Any, branch: str, message: str, metadata: dict[str, str]
    ) -> str: ...
