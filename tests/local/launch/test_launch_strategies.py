"""The launcher's two strategies behave alike for a task: exit code, log, kill on timeout.

The same ``python -m MODULE`` command runs once as a fresh process and once forked from a
warm server, through the runner's :class:`TaskProcess` (output into the attempt's log file).
"""

from __future__ import annotations

import os
import signal
import sys
import textwrap
import time

import pytest
from ideko.local.launch.launcher import Launcher
from ideko.local.runner.task_process import TaskProcess

FAKE = '''
WARM_IMPORTS = ("json",)

import os
import sys
import time

if __name__ == "__main__":
    args = dict(a.split("=", 1) for a in sys.argv[1:])
    print(f"hello pid={os.getpid()} pgid={os.getpgid(0)}", flush=True)
    print("to stderr", file=sys.stderr, flush=True)
    time.sleep(float(args.get("sleep", "0")))
    sys.exit(int(args.get("exit", "0")))
'''


@pytest.fixture
def fake(tmp_path, monkeypatch):
    (tmp_path / "strategy_fake.py").write_text(textwrap.dedent(FAKE))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    return tmp_path


def _run(task: TaskProcess, limit: float = 60.0) -> int:
    deadline = time.monotonic() + limit
    while (code := task.poll()) is None:
        assert time.monotonic() < deadline, "the task never ended"
        time.sleep(0.05)
    return code


@pytest.mark.parametrize("strategy", ["warm", "process"])
def test_exit_code_and_log_are_the_same_either_way(fake, strategy):
    launcher = Launcher(strategy, fake / "servers")
    try:
        task = TaskProcess(
            [sys.executable, "-m", "strategy_fake", "exit=3"],
            dict(os.environ),
            fake / "logs" / "task.log",
            launcher=launcher,
        )
        code = _run(task)
    finally:
        launcher.close()
    assert task.warm == (strategy == "warm")
    assert code == 3
    log = (fake / "logs" / "task.log").read_text()
    assert f"hello pid={task.pid} pgid={task.pid}" in log  # leads its own process group
    assert "to stderr" in log  # stderr goes to the same log


@pytest.mark.parametrize("strategy", ["warm", "process"])
def test_a_timeout_stops_the_group_the_same_way_either_way(fake, strategy):
    launcher = Launcher(strategy, fake / "servers")
    try:
        started = time.monotonic()
        task = TaskProcess(
            [sys.executable, "-m", "strategy_fake", "sleep=60"],
            dict(os.environ),
            fake / "logs" / "slow.log",
            timeout=1.0,
            launcher=launcher,
        )
        code = _run(task)
        elapsed = time.monotonic() - started
    finally:
        launcher.close()
    assert task.warm == (strategy == "warm")
    assert task.timed_out and code == -signal.SIGTERM
    assert elapsed < 30
    log = (fake / "logs" / "slow.log").read_text()
    assert "hello" in log and "[ideko run] killed after 1s timeout" in log


def test_wait_until_warm_reports_when_a_background_server_can_fork(fake, tmp_path):
    """``ideko run``'s servers warm in the background; ``wait_until_warm`` says when forks
    begin: the first launch starts fresh, one after the wait is forked."""
    launcher = Launcher("warm", tmp_path / "logs", per_setup=True, engine="t", children="c")
    argv = [sys.executable, "-m", "strategy_fake"]
    env = dict(os.environ)
    log = os.open(tmp_path / "out.log", os.O_WRONLY | os.O_CREAT)
    try:
        first = launcher.launch(argv, env, stdout_fd=log)
        assert type(first).__name__ == "FreshProcess"  # its server was only just started
        assert launcher.wait_until_warm(timeout=120) is True
        second = launcher.launch(argv, env, stdout_fd=log)
        assert type(second).__name__ == "WarmProcess"
        assert first.wait(60) == 0 and second.wait(60) == 0
    finally:
        os.close(log)
        launcher.close()
    assert launcher.wait_until_warm(timeout=60) is False  # closed: returns at once


def test_wait_until_warm_is_false_without_a_server(tmp_path):
    assert Launcher("process", tmp_path).wait_until_warm(timeout=0.1) is False
