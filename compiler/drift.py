"""Drift check: compare the files a spec compiles to with what is on disk, as unified diffs."""

from __future__ import annotations

import difflib


def diff_trees(expected: dict[str, str], actual: dict[str, str]) -> list[str]:
    """One unified diff per differing file; missing and extra files count as differences.

    Paths are relative (``<pipeline>/pipeline.yaml``); an empty list means up to date.
    """
    diffs: list[str] = []
    for rel in sorted(set(expected) | set(actual)):
        want, have = expected.get(rel), actual.get(rel)
        if want == have:
            continue
        lines = difflib.unified_diff(
            [] if have is None else have.splitlines(keepends=True),
            [] if want is None else want.splitlines(keepends=True),
            fromfile=f"a/{rel}" if have is not None else "/dev/null",
            tofile=f"b/{rel}" if want is not None else "/dev/null",
        )
        text = "".join(line if line.endswith("\n") else line + "\n" for line in lines)
        diffs.append(text)
    return diffs
