"""`ideko run` as a separate process the tests can interrupt or kill, and what to look for
in /proc afterwards."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest


def run_id_in(run_root: Path) -> str:
    (run_dir,) = [p for p in run_root.iterdir() if (p / "state.json").exists()]
    return run_dir.name


def start_until_sleeping(
    compiled: dict[str, Path], run_root: Path, marker: Path, *extra: str
) -> subprocess.Popen:
    """Start `ideko run` on the resumable pipeline; return once make-data finished and the
    sleeper task is running."""
    cmd = [sys.executable, "-m", "ideko.local.runner.cli", "run", str(compiled["resumable"])]
    cmd += ["--run-dir", str(run_root), "-p", f"marker={marker}", *extra]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(0.1)
        state_files = list(run_root.glob("*/state.json"))
        if not state_files:
            continue
        try:
            state = json.loads(state_files[0].read_text())
        except ValueError:
            continue
        tasks = {name: task["state"] for name, task in state["tasks"].items()}
        if tasks["make-data"] == "succeeded" and tasks["sleeper"] == "running":
            return proc
    proc.kill()
    pytest.fail("the run never reached the sleeper task")


def alive(pid: int) -> bool:
    """The process exists and is not a zombie."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid``, and every member of those processes' groups."""
    parents: dict[int, int] = {}
    groups: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().split(")")[-1].split()
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


def wait_gone(pids: set[int], timeout: float) -> tuple[float, set[int]]:
    """Seconds until none of ``pids`` is alive (or ``timeout``) and those still alive."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        left = {p for p in pids if alive(p)}
        if not left:
            return time.monotonic() - start, set()
        time.sleep(0.01)
    return time.monotonic() - start, {p for p in pids if alive(p)}
