"""The checksum of a model directory: written at registration, verified when read back.

sha256 over every file's relative path and bytes in sorted order, so a renamed, missing,
extra or changed file all change it. Stdlib only.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from ideko.runtime.file_digest import update_with_file
from ideko.runtime.registry.base import RegistryError

PREFIX = "sha256:"


def directory_checksum(folder: Path) -> str:
    """``sha256:<hex>`` of a directory's files (relative paths and contents)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode("utf-8") + b"\0")
        update_with_file(digest, path)
        digest.update(b"\0")
    return PREFIX + digest.hexdigest()


def verify_checksum(folder: Path, expected: str, what: str) -> None:
    """:class:`RegistryError` naming ``what`` when ``folder`` no longer has ``expected``."""
    if not expected:
        raise RegistryError(f"{what}: no checksum was recorded; cannot verify {folder}")
    if not folder.is_dir():
        raise RegistryError(f"{what}: model files {folder} are missing")
    actual = directory_checksum(folder)
    if actual != expected:
        raise RegistryError(
            f"{what}: model files at {folder} fail their checksum (recorded {expected[:19]}…, "
            f"found {actual[:19]}…): they were changed or damaged after registration"
        )
