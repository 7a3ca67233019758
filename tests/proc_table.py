"""What /proc says about processes, for the tests and benchmarks that check that no child
outlives the engine that started it (a zombie awaiting its parent counts as gone)."""

from __future__ import annotations

import time
from pathlib import Path


def _stat_fields(stat: Path) -> list[str]:
    """The fields of ``/proc/<pid>/stat`` after the command name (state, ppid, pgrp, ...)."""
    return stat.read_text().rsplit(")", 1)[-1].split()


def alive(pid: int) -> bool:
    """The process exists and is not a zombie."""
    try:
        return _stat_fields(Path(f"/proc/{pid}/stat"))[0] != "Z"
    except OSError:
        return False


def group_members(pgid: int) -> set[int]:
    """Every process in process group ``pgid``."""
    members = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(_stat_fields(stat)[2]) == pgid:
                members.add(int(stat.parent.name))
        except (OSError, ValueError):
            continue
    return members


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid``, and every member of those processes' groups."""
    parents: dict[int, int] = {}
    groups: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = _stat_fields(stat)
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
        groups[int(stat.parent.name)] = int(fields[2])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {p for p, parent in parents.items() if parent in frontier} - found
        found |= frontier
    leaders = {groups[p] for p in found if p in groups}
    return found | {p for p, g in groups.items() if g in leaders and g != groups.get(pid)}


def wait_gone(pids: set[int], timeout: float, poll: float = 0.01) -> tuple[float, set[int]]:
    """Seconds until none of ``pids`` is alive (or ``timeout``) and those still alive."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        left = {p for p in pids if alive(p)}
        if not left:
            return time.monotonic() - start, set()
        time.sleep(poll)
    return time.monotonic() - start, {p for p in pids if alive(p)}
