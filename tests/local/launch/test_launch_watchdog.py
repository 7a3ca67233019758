"""Children die with their engine: `kill -9` of a process that launched a warm fork, a
fresh `sh` with a grandchild and a warm server leaves none of them running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

from proc_table import alive, group_members, wait_gone

SLEEPY = textwrap.dedent(
    """
    import time
    WARM_IMPORTS = ("json",)
    if __name__ == "__main__":
        time.sleep(60)
    """
)

ENGINE = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from ideko.local.launch.launcher import Launcher, WarmProcess
    launcher = Launcher("warm", Path(sys.argv[1]))
    warm = launcher.launch([sys.executable, "-m", "sleepy_trial"], dict(os.environ))
    assert isinstance(warm, WarmProcess)
    fresh = launcher.launch(["sh", "-c", "sleep 60 & sleep 61; wait"], dict(os.environ))
    print(warm.pid, fresh.pid, launcher.server.pid, launcher.watchdog.pid, flush=True)
    time.sleep(120)
    """
)


def test_kill_9_of_the_engine_takes_forks_fresh_groups_and_the_server(tmp_path):
    (tmp_path / "sleepy_trial.py").write_text(SLEEPY)
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    engine = subprocess.Popen(
        [sys.executable, "-c", ENGINE, str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        warm, fresh, server, watchdog = map(int, engine.stdout.readline().split())
        deadline = time.monotonic() + 10
        while len(group_members(fresh)) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)  # sh and both of its sleeps
        victims = {warm, server, *group_members(fresh), *group_members(warm)}
        assert len(victims) >= 5 and all(alive(p) for p in victims)
        assert alive(watchdog)
        engine.send_signal(signal.SIGKILL)
        engine.wait()
        took, left = wait_gone(victims, 5, poll=0.005)
        assert not left, f"alive {took:.2f}s after kill -9: {sorted(left)}"
        assert not wait_gone({watchdog}, 5, poll=0.005)[1]  # it did its job and left
    finally:
        if engine.poll() is None:
            engine.kill()
            engine.wait()


PROBE = textwrap.dedent(
    """
    import ctypes, sys
    from ideko.local.launch.watchdog import die_with_parent
    armed = die_with_parent(int(sys.argv[1]))
    value = ctypes.c_int(0)
    ctypes.CDLL(None).prctl(2, ctypes.byref(value), 0, 0, 0)  # PR_GET_PDEATHSIG
    print(armed, value.value)
    """
)


def test_die_with_parent_arms_sigkill_or_exits_when_the_parent_is_already_gone():
    def probe(parent: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", PROBE, parent], capture_output=True, text=True, check=False
        )

    armed = probe(str(os.getpid()))
    assert armed.returncode == 0 and armed.stdout.split() == ["True", str(int(signal.SIGKILL))]
    orphan = probe(str(os.getpid() + 1))  # not its parent: as if the parent had died first
    assert orphan.returncode == 1 and orphan.stdout == ""
