"""Parse one IDEKO CSV (``;``-separated, header row of indicator names) into a float array.

Only the requested columns are converted. A fast path converts whole columns at once; if that
fails a slow path finds the exact bad cell so the quality report can name it. Empty cells and
the usual NA spellings become NaN (what pandas' ``read_csv`` does for the original script).
"""

from __future__ import annotations

import numpy as np

NA_TOKENS = frozenset({"", "nan", "NaN", "NAN", "NA", "N/A", "n/a", "null", "NULL", "None"})


class UnreadableFile(Exception):
    """A data file that cannot be used; ``str(exc)`` is the reason shown in the report."""


def parse_csv(data: bytes, columns: tuple[str, ...]) -> np.ndarray:
    """Return a float32 array (rows, len(columns)) of ``columns`` in that order."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise UnreadableFile("empty CSV (no header row)")
    header = [name.strip().strip('"') for name in lines[0].split(";")]
    if len(header) == 1 and "," in lines[0]:
        raise UnreadableFile("header has no ';' separator (comma-separated file?)")
    missing = [c for c in columns if c not in header]
    if missing:
        raise UnreadableFile(f"missing indicator column(s) {', '.join(missing)}")
    doubled = [c for c in columns if header.count(c) > 1]
    if doubled:
        raise UnreadableFile(f"column(s) {', '.join(doubled)} appear more than once in the header")
    body = lines[1:]
    numbers = None  # file line number of each body row, only when blank lines were dropped
    if any(not line.strip() for line in body):
        numbers = [n for n, line in enumerate(body, start=2) if line.strip()]
        body = [line for line in body if line.strip()]  # pandas skips blank lines too
    if not body:
        raise UnreadableFile("empty CSV (header row only, no data rows)")
    width = len(header)
    cells = ";".join(body).split(";")
    if len(cells) != len(body) * width:
        raise UnreadableFile(_ragged_reason(body, width, numbers))
    out = np.empty((len(body), len(columns)), dtype=np.float32)
    for j, name in enumerate(columns):
        column = cells[header.index(name) :: width]
        try:
            out[:, j] = np.array(column, dtype=np.float64)
        except ValueError:
            out[:, j] = _slow_column(column, name, numbers)
    return out


def _ragged_reason(body: list[str], width: int, numbers: list[int] | None) -> str:
    for row, line in enumerate(body):
        fields = line.count(";") + 1
        if fields != width:
            number = numbers[row] if numbers else row + 2
            return f"line {number} has {fields} fields, the header has {width}"
    return "rows do not match the header width"


def _slow_column(column: list[str], name: str, numbers: list[int] | None) -> np.ndarray:
    values = np.empty(len(column), dtype=np.float64)
    for row, cell in enumerate(column):
        token = cell.strip().strip('"')
        if token in NA_TOKENS:
            values[row] = np.nan
            continue
        try:
            values[row] = float(token)
        except ValueError:
            hint = " (decimal comma?)" if _is_decimal_comma(token) else ""
            number = numbers[row] if numbers else row + 2
            raise UnreadableFile(
                f"non-numeric value {token[:40]!r} in column {name} at line {number}{hint}"
            ) from None
    return values


def _is_decimal_comma(token: str) -> bool:
    try:
        float(token.replace(",", "."))
    except ValueError:
        return False
    return "," in token
