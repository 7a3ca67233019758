"""The only code of the compiler that touches the output folder.

``write_tree`` writes a rendered tree ({relative path: text}, see ``render``) atomically and
removes stale manifests; ``read_tree`` reads back what is on disk for ``--check``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path, PurePosixPath
from typing import Any

from ideko.compiler.layout import KATIB_DIR
from ideko.compiler.round_trip import round_trip_problem


def _owned_files(out_dir: Path, roots: set[str]) -> set[str]:
    """Generated-looking files currently under each pipeline folder (relative, posix)."""
    found: set[str] = set()
    for root in roots:
        base = out_dir / root
        for sub in (base, base / KATIB_DIR):
            if sub.is_dir():
                found.update(
                    p.relative_to(out_dir).as_posix() for p in sub.glob("*.yaml") if p.is_file()
                )
    return found


def read_tree(out_dir: Path, expected: dict[str, str]) -> dict[str, str]:
    """What is on disk for the pipelines in ``expected`` (same keys as ``render``)."""
    roots = {PurePosixPath(rel).parts[0] for rel in expected}
    return {
        rel: (out_dir / rel).read_text(encoding="utf-8")
        for rel in sorted(_owned_files(out_dir, roots))
    }


def write_tree(
    out_dir: Path, files: dict[str, str], documents: dict[str, list[Any]] | None = None
) -> list[str]:
    """Write ``files`` under ``out_dir`` atomically; delete stale manifests. Returns changes.

    Every file is first written to a temporary file in its own directory, then all are moved
    into place with ``os.replace``, so a failure (a full disk, a refused file) leaves neither
    a half-written file nor a temporary one behind. With ``documents`` (from
    ``render_with_documents``) each temporary file is read back and must parse to exactly
    its documents before anything is moved: the writer cannot emit another document than
    the one kfp built.
    """
    roots = {PurePosixPath(rel).parts[0] for rel in files}
    staged: list[tuple[str, Path]] = []
    changes: list[str] = []
    try:
        for rel, text in sorted(files.items()):
            target = out_dir / rel
            data = text.encode("utf-8")
            if target.is_file() and target.read_bytes() == data:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
            staged.append((rel, Path(tmp)))
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            if documents is not None:
                written = Path(tmp).read_bytes().decode("utf-8")
                problem = round_trip_problem(written, documents[rel])
                if problem is not None:
                    raise ValueError(f"{target}: not written, {problem}")
        for rel, tmp in staged:
            os.replace(tmp, out_dir / rel)
            changes.append(f"wrote {out_dir / rel}")
        staged = []
    finally:
        for _, tmp in staged:
            tmp.unlink(missing_ok=True)
    for rel in sorted(_owned_files(out_dir, roots) - set(files)):
        (out_dir / rel).unlink()
        changes.append(f"removed {out_dir / rel}")
    for root in roots:
        katib = out_dir / root / KATIB_DIR
        if katib.is_dir() and not any(katib.iterdir()):
            katib.rmdir()
    return changes
