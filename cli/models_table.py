"""Plain-text tables that fit 80 columns: ``ideko models`` prints nothing wider.

Columns keep their natural width until the line would exceed the limit; then the widest
flexible column is cut with an ellipsis, so a long URI never wraps a row.
"""

from __future__ import annotations

from collections.abc import Sequence

WIDTH = 80
GAP = "  "


def cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    width: int = WIDTH,
    keep: Sequence[int] = (0,),
) -> str:
    """``header`` and ``rows`` aligned in columns, no line longer than ``width``; the
    ``keep`` columns (the row labels) are cut last."""
    cells = [list(header), *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    while sum(widths) + len(GAP) * (len(widths) - 1) > width:
        flexible = [i for i in range(len(widths)) if i not in keep and widths[i] > 8]
        widest = max(flexible or range(len(widths)), key=lambda i: widths[i])
        if widths[widest] <= 6:
            break
        widths[widest] -= 1
    lines = []
    for n, row in enumerate(cells):
        line = GAP.join(cut(c, w).ljust(w) for c, w in zip(row, widths, strict=True))
        lines.append(line.rstrip())
        if n == 0:
            lines.append(GAP.join("-" * w for w in widths))
    return "\n".join(lines)


def pairs(values: Sequence[tuple[str, str]], width: int = WIDTH) -> str:
    """``key  value`` lines, values cut to the width."""
    if not values:
        return ""
    key_width = max(len(k) for k, _ in values)
    room = max(width - key_width - len(GAP), 10)
    return "\n".join(f"{k.ljust(key_width)}{GAP}{cut(v, room)}" for k, v in values)
