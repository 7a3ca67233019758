"""sha256 of files read in 1 MiB chunks, never whole into memory.

One reader for the training lineage's data digest, the model package's ``checksums.json``
and the registry's directory checksum, so the three agree on what a file's bytes hash to.
Stdlib only: the compare and register steps import it without TensorFlow.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

CHUNK_BYTES = 1 << 20


def update_with_file(digest: Any, path: Path) -> None:
    """Feed ``path``'s bytes into ``digest`` (a ``hashlib`` object), a chunk at a time."""
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)


def file_sha256(path: Path) -> str:
    """The hex sha256 of one file's bytes."""
    digest = hashlib.sha256()
    update_with_file(digest, path)
    return digest.hexdigest()
