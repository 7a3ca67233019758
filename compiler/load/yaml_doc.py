"""Read one YAML file into plain data plus the line:col of every key and value.

Everything after this module works on plain ``dict``/``list``/scalars; positions live in a
side table keyed by path, so diagnostics from any later stage can point at the exact node.
Loading is safe and bounded, in two steps: ruamel first *composes* the node graph (no value
is built yet), which ``_NodeCheck`` walks once, following aliases, to bound what the
document expands to (``ideko.schema.limits``: nodes, characters, depth, integer size) and to
accept only the YAML 1.2 core tags a spec needs (``!!str``, and ``!!int``/``!!float``/
``!!bool``/``!!null``/``!!map``/``!!seq`` where they fit the value); only then are the
nodes *constructed*. So ``!!python/object``, ``!!set``, ``!!bool maybe`` or a billion laughs
are positioned diagnostics, never a traceback, a hang or a MemoryError.
"""

from __future__ import annotations

import datetime as dt
import math
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml as pyyaml
from ideko.compiler.load.diagnostics import Diagnostic, PathPart, SpecError, format_path
from ideko.schema.limits import (
    MAX_DEPTH,
    MAX_EXPANDED_CHARS,
    MAX_INTEGER,
    MAX_NODES,
    MAX_SPEC_BYTES,
)
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, ScalarNode
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.scalarbool import ScalarBoolean

__all__ = ["MAX_DEPTH", "MAX_EXPANDED_CHARS", "MAX_NODES", "MAX_SPEC_BYTES"]

_CORE = "tag:yaml.org,2002:"
_STR_TAG = _CORE + "str"
# Tags a scalar may carry when they agree with what the value reads as anyway.
_SCALAR_TAGS = {_CORE + name for name in ("int", "float", "bool", "null")}
_SCALARS = (ScalarNode, pyyaml.ScalarNode)
_MAPPINGS = (MappingNode, pyyaml.MappingNode)
_INT_DIGITS = len(str(MAX_INTEGER)) + 4  # sign, base prefix, '_' separators: cheap pre-check

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


def not_a_file(path: Path) -> str | None:
    """Why ``path`` cannot be read as a spec file, or None for a regular file.

    Only regular files are read: ``/dev/zero`` never ends and a FIFO blocks until a writer
    comes, so both are refused by their kind, before they are opened.
    """
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "does not exist"
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte or a lone surrogate
        return f"cannot be opened ({getattr(exc, 'strerror', None) or exc})"
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a directory, not a file"
    kinds = {stat.S_ISFIFO: "a FIFO (named pipe)", stat.S_ISCHR: "a character device",
             stat.S_ISBLK: "a block device", stat.S_ISSOCK: "a socket"}
    kind = next((name for test, name in kinds.items() if test(mode)), "not a regular file")
    return f"is {kind}, not a regular file"


def read_yaml(path: Path, display: str, max_bytes: int | None = None) -> Document:
    """Read, size-check, tab-check and parse ``path``; raise SpecError with one diagnostic."""
    limit = MAX_SPEC_BYTES if max_bytes is None else max_bytes
    problem = not_a_file(path)
    if problem is not None:
        raise _error(display, 1, 1, f"cannot read file: it {problem}")
    try:
        size = path.stat().st_size
        if size <= limit:
            with path.open("rb") as handle:
                raw = handle.read(limit + 1)  # bounded even if the file grows meanwhile
            size = len(raw)
    except (OSError, ValueError) as exc:
        why = getattr(exc, "strerror", None) or exc
        raise _error(display, 1, 1, f"cannot read file: {why}") from None
    if size > limit:
        raise _error(
            display, 1, 1,
            f"file is {size / 1024 / 1024:.1f} MiB, larger than the "
            f"{limit // 1024} KiB limit for a spec; a spec holds settings, not data",
        )
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
    _bound_expansion(text, display)
    try:
        node = yaml.compose(text)
        if node is not None:
            _NodeCheck(display, yaml.resolver).check(node)
        root = None if node is None else yaml.constructor.construct_document(node)
    except SpecError:
        raise
    except DuplicateKeyError as exc:
        mark = exc.problem_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        source = text.splitlines()[line - 1] if mark else ""
        key = source[col - 1 :].split(":", 1)[0].strip().strip("'\"")
        first = f" on line {exc.context_mark.line + 1}" if exc.context_mark else ""
        message = f"duplicate key '{key}'; it is already set{first} (remove one)"
        raise _error(display, line, col, message) from None
    except ReaderError as exc:
        line, col = _line_col(text, exc.position)
        char = text[exc.position] if 0 <= exc.position < len(text) else ""
        raise _error(display, line, col, f"invalid YAML: character {_escaped(char)} is not "
                     "allowed in a YAML file (control or non-printable character)") from None
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
    except (ValueError, TypeError, OverflowError, RecursionError, LookupError,
            AttributeError) as exc:
        # A constructor failure _NodeCheck did not foresee: still one line, never a traceback.
        raise _error(display, 1, 1, f"invalid YAML: cannot read a value ({exc})") from None
    if root is None:
        raise _error(display, 1, 1, "file is empty; expected a mapping of settings")
    doc = Document(file=display, data=None)
    doc.values[()] = Location(display, 1, 1)
    doc.data = _Converter(doc).convert(root, ())
    return doc


def _line_col(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of character ``index`` of ``text``."""
    index = max(0, min(index, len(text)))
    return text.count("\n", 0, index) + 1, index - (text.rfind("\n", 0, index) + 1) + 1


def _escaped(char: str) -> str:
    return repr(char)[1:-1] if char else "?"


def _short(tag: str) -> str:
    return "!!" + tag[len(_CORE):] if tag.startswith(_CORE) else tag


def _check_tabs(text: str, display: str) -> None:
    """YAML forbids tabs in indentation; say so plainly instead of a scanner error."""
    for number, line in enumerate(text.splitlines(), start=1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent:
            raise _error(
                display, number, indent.index("\t") + 1,
                "tab character in indentation; YAML indentation must use spaces",
            )


def _bound_expansion(text: str, display: str) -> None:
    """Bound the document before ruamel reads it: libyaml composes it 20-100x faster.

    ruamel's round-trip parser spends ~0.1-0.4 ms per node, so a flow list of 90,000
    aliases takes seconds to *compose* before any check could run. libyaml's composer (or
    PyYAML's pure one) builds the same node graph in milliseconds; its sizes are checked
    here, so ruamel only ever sees a document within ``MAX_NODES``. A file libyaml cannot
    parse is left to ruamel, whose message (and position) users then read.
    """
    loader = getattr(pyyaml, "CSafeLoader", pyyaml.SafeLoader)
    try:
        node = pyyaml.compose(text, Loader=loader)
    except (pyyaml.YAMLError, ValueError, RecursionError):
        return
    if node is not None:
        _NodeCheck(display, None).check(node)


class _NodeCheck:
    """One walk over a composed node graph (ruamel's or PyYAML's), before construction.

    Aliases share nodes, so each node's expanded size is computed once (memoised by
    identity) and the walk stays linear in the file even when the document it stands for is
    exponential. With a ``resolver`` (ruamel's, YAML 1.2) it also checks tags; timestamps
    are re-tagged as strings: a spec keeps dates as written.
    """

    def __init__(self, file: str, resolver: Any) -> None:
        self.file = file
        self.resolver = resolver
        self.sizes: dict[int, tuple[int, int]] = {}  # id(node) -> (nodes, characters)
        self.open: set[int] = set()

    def check(self, root: Any) -> None:
        """Raise a positioned SpecError for the first node that breaks a bound or a tag rule."""
        self._size(root, ())

    def _error(self, node: Any, message: str, path: YamlPath) -> SpecError:
        mark = node.start_mark
        return _error(self.file, mark.line + 1, mark.column + 1, message, path)

    def _children(self, node: Any, path: YamlPath) -> Iterator[tuple[Any, YamlPath]]:
        if isinstance(node, _MAPPINGS):
            for key, value in node.value:
                name = key.value if isinstance(key, _SCALARS) else "?"
                yield key, (*path, name)
                yield value, (*path, name)
        else:
            for index, item in enumerate(node.value):
                yield item, (*path, index)

    def _size(self, node: Any, path: YamlPath) -> tuple[int, int]:
        known = self.sizes.get(id(node))
        if known is not None:
            return known
        if id(node) in self.open:
            raise self._error(node, "invalid YAML: an alias refers to the node that contains "
                              "it (a recursive structure); a spec is a tree", path)
        if len(path) > MAX_DEPTH:
            raise self._error(node, f"nested more than {MAX_DEPTH} levels deep; "
                              "too deep for a spec", path)
        self.open.add(id(node))
        if isinstance(node, _SCALARS):
            if self.resolver is not None:
                self._check_scalar(node, path)
            size = (1, len(node.value))
        else:
            if self.resolver is not None:
                self._check_collection(node, path)
            nodes, chars = 1, 0
            for child, where in self._children(node, path):
                n, c = self._size(child, where)
                nodes, chars = nodes + n, chars + c
                if nodes > MAX_NODES or chars > MAX_EXPANDED_CHARS:
                    break
            size = (nodes, chars)
        self.open.discard(id(node))
        if size[0] > MAX_NODES:
            raise self._error(node, f"document expands to more than {MAX_NODES} nodes "
                              "(aliases?); too large for a spec", path)
        if size[1] > MAX_EXPANDED_CHARS:
            raise self._error(node, f"document expands to more than {MAX_EXPANDED_CHARS} "
                              "characters of text (aliases?); too large for a spec", path)
        self.sizes[id(node)] = size
        return size

    def _check_collection(self, node: Any, path: YamlPath) -> None:
        want = _CORE + ("map" if isinstance(node, MappingNode) else "seq")
        if node.tag != want:
            kind = "mapping" if isinstance(node, MappingNode) else "list"
            raise self._error(node, f"YAML tag '{_short(node.tag)}' is not allowed on a "
                              f"{kind}; specs hold plain mappings, lists and values", path)

    def _check_scalar(self, node: ScalarNode, path: YamlPath) -> None:
        tag, value = node.tag, node.value
        if tag == _CORE + "timestamp":
            node.tag = _STR_TAG
            return
        if tag == _STR_TAG or tag == _CORE + "merge":
            return
        if tag not in _SCALAR_TAGS:
            raise self._error(node, f"YAML tag '{_short(tag)}' is not allowed; specs hold "
                              "plain values only", path)
        reads_as = self.resolver.resolve(ScalarNode, value, (True, False))
        fits = reads_as == tag or (tag == _CORE + "float" and reads_as == _CORE + "int")
        if not fits:
            kind = tag[len(_CORE):]
            raise self._error(node, f"'{value[:40]}' is not a valid {kind} for the YAML tag "
                              f"'{_short(tag)}'; remove the tag or fix the value", path)
        if tag == _CORE + "int" and len(value) > _INT_DIGITS:
            raise self._error(node, f"integer '{value[:20]}...' is too large; at most "
                              f"{MAX_INTEGER} (a 64-bit integer)", path)


class _Converter:
    """Turns constructed ruamel data into plain data, recording positions."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc

    def _loc(self, pos: tuple[int, int] | None, fallback: Location) -> Location:
        if pos is None:
            return fallback
        return Location(self.doc.file, pos[0] + 1, pos[1] + 1)

    def convert(self, node: Any, path: YamlPath) -> Any:
        here = self.doc.values[path]
        if isinstance(node, TaggedScalar):  # only !!str gets here (_NodeCheck)
            return self._text(str(node.value), path, here)
        if isinstance(node, CommentedMap):
            return self._mapping(node, path, here)
        if isinstance(node, CommentedSeq):
            return self._sequence(node, path, here)
        value = _scalar(node)
        if isinstance(value, str):
            return self._text(value, path, here)
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INTEGER:
            raise _error(self.doc.file, here.line, here.col,
                         f"integer {str(value)[:20]}... is too large; at most {MAX_INTEGER} "
                         "(a 64-bit integer)", path)
        if isinstance(value, float) and not math.isfinite(value):
            raise _error(self.doc.file, here.line, here.col,
                         f"{value} is not a finite number; a spec's numbers travel as JSON, "
                         "which has no infinity or NaN (1e400 overflows to infinity)", path)
        return value

    def _text(self, value: str, path: YamlPath, here: Location) -> str:
        """Strings must be encodable: a lone surrogate (``"\\udc80"``) can be written nowhere."""
        bad = next((ch for ch in value if 0xD800 <= ord(ch) <= 0xDFFF), None)
        if bad is not None:
            raise _error(self.doc.file, here.line, here.col,
                         f"text contains {_escaped(bad)}, a lone UTF-16 surrogate that is not "
                         "a character; remove the escape", path)
        return value

    def _mapping(self, node: CommentedMap, path: YamlPath, here: Location) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in node.items():
            name = key if isinstance(key, str) else str(_scalar(key)).lower()
            child = (*path, name)
            self.doc.keys[child] = self._loc(_safe(node.lc.key, key), here)
            self.doc.values[child] = self._loc(_safe(node.lc.value, key), self.doc.keys[child])
            self._text(name, child, self.doc.keys[child])
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
