"""Reader for IDEKO's layout: ``<root>/<class folder>/<day>/<file>.zip`` (or ``.csv``).

Each zip holds exactly one ``;``-separated CSV with indicator columns ``f1``…``fN``.

Reading order is deterministic: class folders, then day folders, then files, each sorted by
name (Python string order). The original script used ``os.listdir`` order, which depends on
the filesystem (ext4 hash order, APFS, overlayfs differ), so its split was not reproducible
across machines; sorting fixes that while keeping everything else identical.

Broken files are never dropped silently: they are left out of the arrays and listed in
``RawData.broken`` with a reason; unknown class folders and stray files go to
``RawData.skipped``. The source fingerprint is a sha256 over every candidate data file
(sorted relative path, size and bytes), broken ones included.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np
from ideko.runtime.data.config import DataConfig
from ideko.runtime.data.csvparse import UnreadableFile, parse_csv
from ideko.runtime.data.errors import DataError

DATA_SUFFIXES = (".zip", ".csv")
MAX_MEMBER_BYTES = 512 * 1024 * 1024  # refuse zip bombs: one series CSV is never this big


@dataclass(frozen=True)
class Problem:
    """A file or folder that was not used, with the reason (path relative to the root)."""

    path: str
    reason: str


@dataclass
class RawData:
    """Everything read from a data tree, before padding and splitting."""

    root: str
    series: list[np.ndarray] = field(default_factory=list)  # float32 (time, indicators)
    labels: list[str] = field(default_factory=list)
    days: list[str] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    broken: list[Problem] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)
    missing_classes: list[str] = field(default_factory=list)  # configured folders not found
    num_files: int = 0
    fingerprint: str = ""


def read_tree(root: str | Path, config: DataConfig) -> RawData:
    """Read every series under ``root`` in sorted order; see the module docstring."""
    base = Path(root)
    if not base.exists():
        raise DataError(f"data directory {base} does not exist")
    if not base.is_dir():
        raise DataError(f"data path {base} is not a directory")
    raw = RawData(root=str(base))
    known = config.class_folders
    found: set[str] = set()
    digest = hashlib.sha256()
    kept = len(config.indicators)
    for folder, day, path in _candidates(base, known, raw, found):
        rel = path.relative_to(base).as_posix()
        try:
            data = path.read_bytes()
        except OSError as exc:
            raw.broken.append(Problem(rel, f"cannot read the file ({exc.strerror or exc})"))
            continue
        digest.update(rel.encode() + b"\0" + str(len(data)).encode() + b"\0" + data)
        raw.num_files += 1
        try:
            values = _read_file(path.suffix.lower(), data, config.needed_columns)
        except UnreadableFile as exc:
            raw.broken.append(Problem(rel, str(exc)))
            continue
        raw.series.append(np.ascontiguousarray(values[:, :kept]))
        raw.labels.append(known[folder])
        raw.days.append(day)
        raw.paths.append(rel)
    raw.missing_classes = [folder for folder in known if folder not in found]
    raw.fingerprint = "sha256:" + digest.hexdigest()
    return raw


def _candidates(
    base: Path, known: dict[str, str], raw: RawData, found: set[str]
) -> list[tuple[str, str, Path]]:
    """List (class folder, day, file) in reading order; record what is skipped and why."""
    out: list[tuple[str, str, Path]] = []
    for entry in _listing(base):
        if not entry.is_dir():
            raw.skipped.append(
                Problem(entry.name, "file at the top level (expected class folders)")
            )
            continue
        if entry.name not in known:
            names = ", ".join(sorted(known))
            raw.skipped.append(
                Problem(entry.name + "/", f"unknown class folder (data.classes has {names})")
            )
            continue
        found.add(entry.name)
        for day in _listing(entry):
            rel_day = f"{entry.name}/{day.name}"
            if not day.is_dir():
                raw.skipped.append(
                    Problem(
                        rel_day, "file directly in a class folder (expected <class>/<day>/<file>)"
                    )
                )
                continue
            for path in _listing(day):
                rel = f"{rel_day}/{path.name}"
                if path.is_dir():
                    raw.skipped.append(Problem(rel + "/", "nested folder inside a day folder"))
                elif path.suffix.lower() not in DATA_SUFFIXES:
                    raw.skipped.append(Problem(rel, "not a .zip or .csv file"))
                else:
                    out.append((entry.name, day.name, path))
    return out


def _listing(folder: Path) -> list[Path]:
    """Visible entries of ``folder`` sorted by name (hidden files such as .DS_Store ignored)."""
    return sorted((p for p in folder.iterdir() if not p.name.startswith(".")), key=lambda p: p.name)


def _read_file(suffix: str, data: bytes, columns: tuple[str, ...]) -> np.ndarray:
    if suffix == ".csv":
        return parse_csv(data, columns)
    return parse_csv(_zip_member(data), columns)


def _zip_member(data: bytes) -> bytes:
    """The bytes of the single CSV inside a zip, never extracted to disk."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnreadableFile(f"corrupt zip ({exc})") from exc
    with archive:
        members = [info for info in archive.infolist() if not _metadata_entry(info)]
        if len(members) != 1:
            names = ", ".join(info.filename for info in members[:5]) or "none"
            raise UnreadableFile(
                f"zip holds {len(members)} files ({names}); expected exactly one CSV"
            )
        info = members[0]
        if _unsafe_name(info.filename):
            raise UnreadableFile(f"unsafe member name {info.filename!r} (absolute path or '..')")
        if not info.filename.lower().endswith(".csv"):
            raise UnreadableFile(f"zip member {info.filename!r} is not a .csv file")
        if info.file_size > MAX_MEMBER_BYTES:
            raise UnreadableFile(f"zip member is {info.file_size} bytes uncompressed (too large)")
        try:
            return archive.read(info)
        except (zipfile.BadZipFile, zlib.error, OSError, RuntimeError, NotImplementedError) as exc:
            raise UnreadableFile(f"corrupt zip member {info.filename!r} ({exc})") from exc


def _metadata_entry(info: zipfile.ZipInfo) -> bool:
    """Folder entries and macOS Finder's ``__MACOSX/`` resource forks are not data."""
    return info.is_dir() or info.filename.startswith("__MACOSX/")


def _unsafe_name(name: str) -> bool:
    """True for names that would escape an extraction folder (zip-slip)."""
    normalized = name.replace("\\", "/")
    if normalized.startswith("/") or (len(normalized) > 1 and normalized[1] == ":"):
        return True
    return ".." in PurePosixPath(normalized).parts
