"""Atomic file and directory writes: a reader sees a complete output or none.

Every write goes to a temp file (or directory) beside the target, so ``os.replace`` never
crosses filesystems, and is renamed into place only on success; on error the temp is
removed and the target left untouched. ``tempfile`` creates 0600 files and 0700 directories;
published outputs get the modes the process umask allows, like ``open`` would give.
Stdlib-only: the runner (which must not import TensorFlow) uses it too.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

# errno values meaning "no room left to write" (device full, quota exceeded)
DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})


def current_umask() -> int:
    """The process umask; read from /proc where possible (setting it is not thread-safe)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def file_mode() -> int:
    """The mode a newly created regular file gets under the current umask."""
    return 0o666 & ~current_umask()


def dir_mode() -> int:
    """The mode a newly created directory gets under the current umask."""
    return 0o777 & ~current_umask()


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "wb") -> Iterator[IO[Any]]:
    """Open a temp file beside ``path`` (``wb`` or ``w``); on success it replaces ``path``."""
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_open writes only ('w' or 'wb'), got {mode!r}")
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        encoding = None if "b" in mode else "utf-8"
        with os.fdopen(fd, mode, encoding=encoding) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, file_mode())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; returns the path."""
    with atomic_open(path, "wb") as handle:
        handle.write(data)
    return Path(path)


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; returns the path."""
    with atomic_open(path, "w") as handle:
        handle.write(text)
    return Path(path)


def write_json(
    path: str | os.PathLike[str],
    value: Any,
    *,
    indent: int = 2,
    sort_keys: bool = True,
    allow_nan: bool = False,
    default: Any = None,
) -> Path:
    """Write ``value`` as indented JSON plus a final newline, atomically (stable by default)."""
    text = json.dumps(
        value, indent=indent, sort_keys=sort_keys, allow_nan=allow_nan, default=default
    )
    return write_text(path, text + "\n")


@contextlib.contextmanager
def atomic_directory(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temp directory beside ``path`` that replaces ``path`` only on success.

    An existing (e.g. pre-created, empty) ``path`` is replaced as a whole, so a retried
    step never mixes files from two attempts.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        yield staging
        os.chmod(staging, dir_mode())
        if target.is_dir():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
            os.replace(target, old / "dir")
            os.replace(staging, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            if target.exists():
                target.unlink()
            os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
