"""Diagnostics: the one shape every spec problem is reported in.

A user fixes a spec from these lines alone, so each one says where (file:line:col and the
dotted path of the field), what is wrong and, when we can tell, how to fix it. They are
collected, sorted and raised once (``SpecError``) so a user sees every mistake in one run.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

PathPart = str | int
Path = tuple[PathPart, ...]


@dataclass(frozen=True)
class Diagnostic:
    """One problem in a spec. ``line``/``col`` are 1-based; ``path`` is dotted (``a.b[0].c``)."""

    file: str
    line: int
    col: int
    path: str
    message: str

    def __str__(self) -> str:
        """One printable line: a key or value holding a line break or a control character
        is echoed escaped (``\\n``, ``\\x01``), so the line count and terminal stay intact."""
        where = f"{printable(self.file)}:{self.line}:{self.col}"
        path, message = printable(self.path), printable(self.message)
        return f"{where}: {path}: {message}" if path else f"{where}: {message}"


def printable(text: str) -> str:
    """``text`` with every non-printable character (controls, line and paragraph separators,
    lone surrogates, format characters) replaced by its Python escape."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


class SpecError(Exception):
    """An invalid spec: carries every diagnostic found, already sorted."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics: list[Diagnostic] = sort_diagnostics(diagnostics)
        super().__init__("\n".join(map(str, self.diagnostics)))


class SpecNotFoundError(SpecError):
    """The spec path names no file: a usage error (CLIs exit 2), not an invalid spec."""


def sort_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Deduplicated, ordered by file (first-seen order), then line, col, path, message."""
    unique = list(dict.fromkeys(diagnostics))
    file_order: dict[str, int] = {}
    for diag in unique:
        file_order.setdefault(diag.file, len(file_order))
    return sorted(
        unique, key=lambda d: (file_order[d.file], d.line, d.col, d.path, d.message)
    )


def format_path(path: Sequence[PathPart]) -> str:
    """``("models", "LSTM", "hpo")`` -> ``models.LSTM.hpo``; list indexes as ``[0]``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """The closest candidate to a misspelled ``word`` (case slips first), or None."""
    options = [str(c) for c in candidates]
    lowered = {c.lower(): c for c in options}
    if word.lower() in lowered:
        return lowered[word.lower()]
    folded = word.lower().replace("-", "_")
    for option in options:
        if option.lower().replace("-", "_") == folded:
            return option
    matches = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if not matches:
        matches = difflib.get_close_matches(folded, list(lowered), n=1, cutoff=0.6)
        matches = [lowered[m] for m in matches]
    return matches[0] if matches else None


def suggestion(word: str, candidates: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` or an empty string: ready to append to a message."""
    best = did_you_mean(word, candidates)
    return f"; did you mean '{best}'?" if best is not None and best != word else ""


def one_of(values: Iterable[object]) -> str:
    """Human list of allowed values: ``'a', 'b', 'c'``."""
    return ", ".join(repr(v) if isinstance(v, str) else str(v) for v in values)
