"""Artifact references and content digests shared by the cache, the state file and lineage."""

from __future__ import annotations

import hashlib
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

_CHUNK = 1 << 20


@dataclass(frozen=True)
class ArtifactRef:
    """A produced artifact: where it lives and what it is (KFP RuntimeArtifact, plus digest)."""

    name: str
    uri: str  # a local path under the run directory
    schema_title: str = "system.Artifact"
    schema_version: str = "0.0.1"
    metadata: dict[str, Any] = field(default_factory=dict)
    digest: str = ""  # sha256 of the file or directory tree; "" when nothing was written

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ArtifactRef:
        return cls(**data)

    def to_runtime_artifact(self) -> dict[str, Any]:
        """The dict form of KFP's RuntimeArtifact, as the executor reads it."""
        return {
            "name": self.name,
            "uri": self.uri,
            "type": {"schemaTitle": self.schema_title, "schemaVersion": self.schema_version},
            "metadata": dict(self.metadata),
        }


@dataclass
class Outputs:
    """Output parameters and artifacts of a task, or the input scope of a DAG."""

    parameters: dict[str, Any] = field(default_factory=dict)
    artifacts: dict[str, ArtifactRef] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "parameters": self.parameters,
            "artifacts": {k: a.to_json() for k, a in self.artifacts.items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Outputs:
        return cls(
            parameters=dict(data.get("parameters", {})),
            artifacts={k: ArtifactRef.from_json(a) for k, a in data.get("artifacts", {}).items()},
        )


def tree_digest(path: str | os.PathLike[str]) -> str:
    """sha256 over a file's bytes, or over a directory's sorted relative paths and bytes.

    Returns "" when the path does not exist (an output the step never wrote).
    """
    root = Path(path)
    if root.is_file():
        return "sha256:" + _file_hash(root, hashlib.sha256()).hexdigest()
    if not root.is_dir():
        return ""
    h = hashlib.sha256()
    for file in sorted(p for p in root.rglob("*") if p.is_file()):
        h.update(file.relative_to(root).as_posix().encode() + b"\0")
        _file_hash(file, h)
        h.update(b"\0")
    return "sha256:" + h.hexdigest()


def _file_hash(path: Path, h: Any) -> Any:
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h
