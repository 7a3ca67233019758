"""What a task's cache key must see of an unversioned local data folder: its files.

KFP keys a task's cache on its input values, so ``data_uri: data/synthetic`` stays the same
key while the folder's files change, and a rerun after new data is written would restore the
old preprocessing (a versioned source avoids this by pinning ``data_ref`` to a commit). For a
local folder the key therefore also takes a listing of every file under it: relative path,
size and modification time, as make and DVC's quick check do, cheap enough for every run.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ideko.local.runner.data_pin import DATA_URI

_SCHEMES = ("://", "dvc+")


def local_folder(value: object) -> Path | None:
    """The folder a ``data_uri`` value names on this machine, or None (a URI, not a folder)."""
    text = str(value)
    if text.startswith("file://"):
        text = text[len("file://") :]
    elif any(marker in text for marker in _SCHEMES):
        return None
    path = Path(text)
    return path if path.is_dir() else None


def folder_signature(root: Path) -> str:
    """sha256 over (relative path, size, mtime_ns) of every file under ``root``, sorted."""
    digest = hashlib.sha256()
    entries = []
    for folder, _dirs, files in os.walk(root):
        for name in files:
            path = Path(folder, name)
            try:
                stat = path.stat()
            except OSError:  # vanished or unreadable: the reader reports it; keep it in the key
                entries.append((path.relative_to(root).as_posix(), -1, -1))
                continue
            entries.append((path.relative_to(root).as_posix(), stat.st_size, stat.st_mtime_ns))
    for rel, size, mtime in sorted(entries):
        digest.update(f"{rel}\0{size}\0{mtime}\n".encode("utf-8", "surrogateescape"))
    return "files-sha256:" + digest.hexdigest()


def local_data_signatures(parameters: dict[str, object]) -> dict[str, str]:
    """``{data_uri: signature}`` when the task reads a local folder, else ``{}``."""
    if DATA_URI not in parameters:
        return {}
    folder = local_folder(parameters[DATA_URI])
    return {} if folder is None else {DATA_URI: folder_signature(folder)}
