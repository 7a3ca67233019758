"""Read one YAML file into plain data plus the line:col of every key and value.

Everything after this module works on plain ``dict``/``list``/scalars; positions live in a
side table keyed by path, so diagnostics from any later stage can point at the exact node.
Loading is safe: ruamel's round-trip loader never instantiates classes, and explicit tags
(``!!python/object``, ``!custom``) are rejected rather than silently turned into strings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ideko.compiler.load.diagnostics import Diagnostic, PathPart, SpecError, format_path
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarbool import ScalarBoolean

# A hand-written spec is a few KB; 1 MiB leaves room for generated ones and rejects a runaway
# (e.g. a pasted dataset) before the parser spends seconds on it.
MAX_SPEC_BYTES = 1024 * 1024
# Aliases can make a small file expand exponentially ("billion laughs"); cap expanded nodes.
MAX_NODES = 100_000
MAX_DEPTH = 64  # a spec is ~8 levels deep; this keeps conversion far from Python's limit
_STR_TAG = "tag:yaml.org,2002:str"

YamlPath = tuple[PathPart, ...]


@dataclass(frozen=True)
class Location:
    file: str
    line: int  # 1-based
    col: int  # 1-based


@dataclass
class Document:
    """Plain data of one file, with key and value positions for every path in it."""

    file: str
    data: Any
    keys: dict[YamlPath, Location] = field(default_factory=dict)
    values: dict[YamlPath, Location] = field(default_factory=dict)


def _error(file: str, line: int, col: int, message: str, path: YamlPath = ()) -> SpecError:
    return SpecError([Diagnostic(file, line, col, format_path(path), message)])


def read_yaml(path: Path, display: str, max_bytes: int = MAX_SPEC_BYTES) -> Document:
    """Read, size-check, tab-check and parse ``path``; raise SpecError with one diagnostic."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise _error(
                display, 1, 1,
                f"file is {size / 1024 / 1024:.1f} MiB, larger than the "
                f"{max_bytes // 1024} KiB limit for a spec; a spec holds settings, not data",
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise _error(display, 1, 1, f"cannot read file: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise _error(display, line, col, "file is not valid UTF-8 text") from None
    return parse_yaml(text, display)


def parse_yaml(text: str, display: str) -> Document:
    """Parse YAML text; tabs, syntax errors, duplicate keys and empty input are diagnostics."""
    _check_tabs(text, display)
    yaml = YAML(typ="rt", pure=True)
    yaml.allow_duplicate_keys = False
    try:
        root = yaml.load(text)
    except DuplicateKeyError as exc:
        mark = exc.problem_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        source = text.splitlines()[line - 1] if mark else ""
        key = source[col - 1 :].split(":", 1)[0].strip().strip("'\"")
        first = f" on line {exc.context_mark.line + 1}" if exc.context_mark else ""
        message = f"duplicate key '{key}'; it is already set{first} (remove one)"
        raise _error(display, line, col, message) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = exc.problem or exc.context or "invalid YAML"
        started = exc.context_mark if exc.problem and exc.context else None
        if started is not None and started.line + 1 != line:
            what += f" ({exc.context} that started on line {started.line + 1})"
        raise _error(display, line, col, f"invalid YAML: {what}") from None
    except YAMLError as exc:
        raise _error(display, 1, 1, f"invalid YAML: {exc}") from None
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        # ruamel's constructors raise plain Python errors (e.g. `!!int x`, deep nesting).
        raise _error(display, 1, 1, f"invalid YAML: cannot read a value ({exc})") from None
    if root is None:
        raise _error(display, 1, 1, "file is empty; expected a mapping of settings")
    doc = Document(file=display, data=None)
    doc.values[()] = Location(display, 1, 1)
    doc.data = _Converter(doc).convert(root, ())
    return doc


def _check_tabs(text: str, display: str) -> None:
    """YAML forbids tabs in indentation; say so plainly instead of a scanner error."""
    for number, line in enumerate(text.splitlines(), start=1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent:
            raise _error(
                display, number, indent.index("\t") + 1,
                "tab character in indentation; YAML indentation must use spaces",
            )


class _Converter:
    """Turns ruamel nodes into plain data, recording positions and refusing tags."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.nodes = 0

    def _loc(self, pos: tuple[int, int] | None, fallback: Location) -> Location:
        if pos is None:
            return fallback
        return Location(self.doc.file, pos[0] + 1, pos[1] + 1)

    def convert(self, node: Any, path: YamlPath) -> Any:
        self.nodes += 1
        here = self.doc.values[path]
        if len(path) > MAX_DEPTH:
            raise _error(self.doc.file, here.line, here.col,
                         f"nested more than {MAX_DEPTH} levels deep; too deep for a spec", path)
        if self.nodes > MAX_NODES:
            raise _error(
                self.doc.file, here.line, here.col,
                f"document expands to more than {MAX_NODES} nodes (aliases?); too large",
                path,
            )
        tag = getattr(getattr(node, "tag", None), "value", None)
        if isinstance(node, TaggedScalar) and tag == _STR_TAG:
            return str(node.value)
        if tag is not None and isinstance(node, TaggedScalar | CommentedMap | CommentedSeq):
            raise _error(
                self.doc.file, here.line, here.col,
                f"YAML tag '{tag}' is not allowed; specs hold plain values only", path,
            )
        if isinstance(node, CommentedMap):
            return self._mapping(node, path, here)
        if isinstance(node, CommentedSeq):
            return self._sequence(node, path, here)
        return _scalar(node)

    def _mapping(self, node: CommentedMap, path: YamlPath, here: Location) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in node.items():
            name = key if isinstance(key, str) else str(_scalar(key)).lower()
            child = (*path, name)
            self.doc.keys[child] = self._loc(_safe(node.lc.key, key), here)
            self.doc.values[child] = self._loc(_safe(node.lc.value, key), self.doc.keys[child])
            out[name] = self.convert(value, child)
        return out

    def _sequence(self, node: CommentedSeq, path: YamlPath, here: Location) -> list[Any]:
        out: list[Any] = []
        for index, value in enumerate(node):
            child = (*path, index)
            self.doc.values[child] = self.doc.keys[child] = self._loc(
                _safe(node.lc.item, index), here
            )
            out.append(self.convert(value, child))
        return out


def _safe(getter: Any, key: Any) -> tuple[int, int] | None:
    """ruamel has no position for keys that came from a ``<<`` merge."""
    try:
        pos = getter(key)
    except (KeyError, IndexError, TypeError):
        return None
    return (int(pos[0]), int(pos[1])) if pos is not None else None


def _scalar(node: Any) -> Any:
    """ruamel scalar subclasses -> builtin types; dates stay the text the user wrote."""
    if node is None or isinstance(node, bool):
        return node
    if isinstance(node, ScalarBoolean):
        return bool(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    if isinstance(node, dt.date | dt.datetime):
        return node.isoformat()
    return str(node)


def rebased(doc: Document, prefix: YamlPath) -> Document:
    """The same positions seen from a parent document (an included file under ``models``)."""
    return Document(
        file=doc.file,
        data=doc.data,
        keys={(*prefix, *p): loc for p, loc in doc.keys.items()},
        values={(*prefix, *p): loc for p, loc in doc.values.items() if p},
    )


class Locator:
    """Positions across the spec and its included files; earlier documents win."""

    def __init__(self, docs: list[Document]) -> None:
        self.docs = docs

    def _find(self, path: YamlPath, table: str) -> Location:
        for doc in self.docs:
            found = getattr(doc, table).get(path)
            if found is not None:
                return found
        # Not written (a default, or a missing key): point at the nearest written ancestor.
        for end in range(len(path) - 1, 0, -1):
            for doc in self.docs:
                found = doc.keys.get(path[:end])
                if found is not None:
                    return found
        return Location(self.docs[0].file, 1, 1)

    def key(self, path: YamlPath) -> Location:
        """Where the key naming ``path`` is written (for unknown or misnamed keys)."""
        return self._find(path, "keys") if path else self.value(path)

    def value(self, path: YamlPath) -> Location:
        """Where the value at ``path`` starts (for wrong values)."""
        return self._find(path, "values")

    def diagnostic(self, path: YamlPath, message: str, *, at_key: bool = False) -> Diagnostic:
        """A diagnostic for ``path``, positioned at its key or its value."""
        loc = self.key(path) if at_key else self.value(path)
        return Diagnostic(loc.file, loc.line, loc.col, format_path(path), message)
