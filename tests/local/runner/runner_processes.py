"""`ideko run` as a separate process the tests can interrupt or kill (``proc_table`` reads
what is left of it afterwards)."""

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


# `python -m ideko.local.runner.cli ARGS` as a user's shell starts it: Ctrl-C's default
# disposition and an unblocked SIGINT. A pytest-xdist worker may have inherited or been left
# with SIGINT ignored by an earlier module's code (an ignored signal survives exec, and
# Python then never installs its KeyboardInterrupt handler); the interrupted-run test then
# timed out in both fresh-clone CI runs and never alone.
AS_FROM_A_SHELL = (
    "import runpy, signal, sys;"
    "signal.signal(signal.SIGINT, signal.default_int_handler);"
    "signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT});"
    "sys.argv[0] = 'ideko.local.runner.cli';"
    "runpy.run_module('ideko.local.runner.cli', run_name='__main__', alter_sys=True)"
)


def start_until_sleeping(
    compiled: dict[str, Path], run_root: Path, marker: Path, *extra: str
) -> subprocess.Popen:
    """Start `ideko run` on the resumable pipeline; return once make-data finished and the
    sleeper task is running."""
    cmd = [sys.executable, "-c", AS_FROM_A_SHELL, "run", str(compiled["resumable"])]
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
