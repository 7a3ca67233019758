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

Every input is bounded (``ideko.schema.limits``): only regular files inside the data root are
opened (a symlink to ``/dev/zero`` or out of the tree, a FIFO named ``x.zip`` are broken
entries, never read), each file and each zip member's decompressed size are capped, a member
whose compression ratio says "zip bomb" is refused before it is inflated, and a series longer
than ``MAX_SERIES_POINTS`` is refused before it is parsed. Folders that cannot be listed,
names that are not UTF-8 and hidden entries are reported, not passed over in silence.
"""

from __future__ import annotations

import hashlib
import io
import os
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np
from ideko.runtime.data.config import DataConfig
from ideko.runtime.data.csvparse import UnreadableFile, parse_csv
from ideko.runtime.data.errors import DataError
from ideko.schema.limits import MAX_COMPRESSION_RATIO, MAX_DATA_FILE_BYTES, MAX_SERIES_POINTS

DATA_SUFFIXES = (".zip", ".csv")
_CHUNK = 1024 * 1024


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
    tree = _Tree(base, raw)
    for folder, day, path in tree.candidates(known, found):
        rel = path.relative_to(base).as_posix()
        try:
            data = tree.read(path)
        except UnreadableFile as exc:
            raw.broken.append(Problem(rel, str(exc)))
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


def shown_name(name: str) -> str:
    """A file name as text: bytes that are not UTF-8 (kept by Python as surrogates) escaped."""
    return os.fsencode(name).decode("utf-8", errors="backslashreplace")


class _Tree:
    """Lists and opens the entries of one data root, recording what it refuses and why."""

    def __init__(self, base: Path, raw: RawData) -> None:
        self.base = base
        self.real_base = base.resolve()
        self.raw = raw

    def _skip(self, rel: str, reason: str) -> None:
        self.raw.skipped.append(Problem(rel, reason))

    def _broken(self, rel: str, reason: str) -> None:
        self.raw.broken.append(Problem(rel, reason))

    def listing(self, folder: Path, rel: str) -> list[Path]:
        """Usable entries of ``folder`` sorted by name; the rest recorded with a reason."""
        try:
            entries = sorted(folder.iterdir(), key=lambda p: p.name)
        except OSError as exc:
            self._broken(rel + "/", f"cannot list the folder ({exc.strerror or exc}); "
                         "nothing in it was read")
            return []
        out: list[Path] = []
        for entry in entries:
            name = shown_name(entry.name)
            where = f"{rel}/{name}" if rel else name
            if name != entry.name:
                self._broken(where, "the name is not valid UTF-8; rename it (not read)")
            elif entry.name.startswith("."):
                self._skip(where, "hidden (its name starts with '.')")
            elif entry.is_symlink() and entry.exists() and not self._inside(entry):
                self._broken(where, "a symlink to a place outside the data root (not followed)")
            else:
                out.append(entry)
        return out

    def _inside(self, entry: Path) -> bool:
        try:
            return entry.resolve().is_relative_to(self.real_base)
        except (OSError, RuntimeError):
            return False

    def candidates(self, known: dict[str, str], found: set[str]) -> list[tuple[str, str, Path]]:
        """List (class folder, day, file) in reading order; record what is skipped and why."""
        out: list[tuple[str, str, Path]] = []
        for entry in self.listing(self.base, ""):
            if not entry.is_dir():
                self._skip(entry.name, "file at the top level (expected class folders)")
                continue
            if entry.name not in known:
                names = ", ".join(sorted(known))
                self._skip(entry.name + "/", f"unknown class folder (data.classes has {names})")
                continue
            found.add(entry.name)
            for day in self.listing(entry, entry.name):
                rel_day = f"{entry.name}/{day.name}"
                if not day.is_dir():
                    self._skip(
                        rel_day, "file directly in a class folder (expected <class>/<day>/<file>)"
                    )
                    continue
                for path in self.listing(day, rel_day):
                    rel = f"{rel_day}/{path.name}"
                    if path.is_dir():
                        self._skip(rel + "/", "nested folder inside a day folder")
                    elif path.suffix.lower() not in DATA_SUFFIXES:
                        self._skip(rel, "not a .zip or .csv file")
                    else:
                        out.append((entry.name, day.name, path))
        return out

    def read(self, path: Path) -> bytes:
        """The bytes of one data file: a regular file within ``MAX_DATA_FILE_BYTES``."""
        try:
            info = path.stat()
            if not stat.S_ISREG(info.st_mode):
                raise UnreadableFile(f"not a regular file ({_kind(info.st_mode)}); not read")
            if info.st_size > MAX_DATA_FILE_BYTES:
                raise UnreadableFile(_too_large("the file", info.st_size))
            with path.open("rb") as handle:
                data = handle.read(MAX_DATA_FILE_BYTES + 1)
        except OSError as exc:
            raise UnreadableFile(f"cannot read the file ({exc.strerror or exc})") from exc
        if len(data) > MAX_DATA_FILE_BYTES:
            raise UnreadableFile(_too_large("the file", len(data)))
        return data


def _kind(mode: int) -> str:
    kinds = {stat.S_ISFIFO: "a FIFO", stat.S_ISCHR: "a character device",
             stat.S_ISBLK: "a block device", stat.S_ISSOCK: "a socket",
             stat.S_ISDIR: "a folder"}
    return next((name for test, name in kinds.items() if test(mode)), "not a plain file")


def _too_large(what: str, size: int) -> str:
    return (f"{what} is {size / 1024 / 1024:.1f} MiB, more than the "
            f"{MAX_DATA_FILE_BYTES // (1024 * 1024)} MiB limit for one series")


def _read_file(suffix: str, data: bytes, columns: tuple[str, ...]) -> np.ndarray:
    text = data if suffix == ".csv" else _zip_member(data)
    rows = text.count(b"\n")  # before parsing: a runaway series is refused cheaply
    if rows > MAX_SERIES_POINTS + 1:
        raise UnreadableFile(f"the series has about {rows - 1} points, more than the "
                             f"{MAX_SERIES_POINTS} a series may have")
    values = parse_csv(text, columns)
    if len(values) > MAX_SERIES_POINTS:
        raise UnreadableFile(f"the series has {len(values)} points, more than the "
                             f"{MAX_SERIES_POINTS} a series may have")
    return values


def _zip_member(data: bytes) -> bytes:
    """The bytes of the single CSV inside a zip, never extracted to disk, never unbounded."""
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
        if info.file_size > MAX_DATA_FILE_BYTES:
            raise UnreadableFile(_too_large("the zip member, uncompressed,", info.file_size))
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > MAX_COMPRESSION_RATIO:
            raise UnreadableFile(
                f"the zip member expands {ratio:.0f}x ({info.compress_size} -> "
                f"{info.file_size} bytes), more than the {MAX_COMPRESSION_RATIO}x a CSV of "
                "readings does; refused as a zip bomb"
            )
        try:
            return _inflate(archive, info)
        except (zipfile.BadZipFile, zlib.error, OSError, RuntimeError, NotImplementedError,
                EOFError) as exc:
            raise UnreadableFile(f"corrupt zip member {info.filename!r} ({exc})") from exc


def _inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """Decompress in chunks and stop at the limit, whatever size the header claims."""
    out = bytearray()
    with archive.open(info) as member:
        while chunk := member.read(_CHUNK):
            out += chunk
            if len(out) > MAX_DATA_FILE_BYTES:
                raise UnreadableFile(_too_large("the zip member, uncompressed,", len(out)))
    return bytes(out)


def _metadata_entry(info: zipfile.ZipInfo) -> bool:
    """Folder entries and macOS Finder's ``__MACOSX/`` resource forks are not data."""
    return info.is_dir() or info.filename.startswith("__MACOSX/")


def _unsafe_name(name: str) -> bool:
    """True for names that would escape an extraction folder (zip-slip)."""
    normalized = name.replace("\\", "/")
    if normalized.startswith("/") or (len(normalized) > 1 and normalized[1] == ":"):
        return True
    return ".." in PurePosixPath(normalized).parts
