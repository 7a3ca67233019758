"""The runner under faults (issue 15, "Runner state and faults"), each reproducer a test: a
second runner on a live run, `kill -9` of the runner, a full disk, a damaged lineage.sqlite."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import textwrap
import time

import pytest
from ideko.local.runner import cache as cache_module
from ideko.local.runner import run as run_module
from ideko.local.runner.cli import main
from ideko.local.runner.run_lock import RunLock, RunLockedError, holder_of
from ideko.local.runner.state import RunPaths, load_state
from proc_table import alive, descendants, wait_gone
from runner_processes import run_id_in, start_until_sleeping


def test_second_runner_refused_then_kill_9_takes_the_children_and_frees_the_lock(
    compiled, run_root, tmp_path, capsys
):
    """While a run is live, `--resume` of it is refused with the holder's PID and touches
    nothing; `kill -9` of that runner takes its task and its warm server with it; the
    next `--resume` takes the dead runner's lock over and finishes the run."""
    marker = tmp_path / "fast"
    proc = start_until_sleeping(compiled, run_root, marker)
    run_id = run_id_in(run_root)
    paths = RunPaths(run_root.resolve(), run_id)
    sleeper = load_state(paths).tasks["sleeper"].pid
    assert sleeper and alive(sleeper)
    assert main(["run", "--resume", run_id, "--run-dir", str(run_root)]) == 2
    err = capsys.readouterr().err
    assert f"is being run by PID {proc.pid}" in err and "Traceback" not in err
    assert alive(sleeper) and load_state(paths).tasks["sleeper"].state == "running"
    children = descendants(proc.pid)
    assert sleeper in children and len(children) >= 3  # sh + its python, watchdog, server...
    proc.kill()
    proc.communicate(timeout=30)
    seconds, left = wait_gone(children, timeout=10)
    assert not left, f"still alive {seconds:.2f}s after kill -9: {sorted(left)}"
    assert holder_of(paths.run_dir) is None
    marker.write_text("")  # the sleeper returns at once from now on
    argv = ["run", "--resume", run_id, "--run-dir", str(run_root), "--launcher", "process"]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert f"took over the run from its runner PID {proc.pid}" in err
    resumed = load_state(paths)
    assert resumed.status == "succeeded"
    assert resumed.tasks["make-data"].resumed
    assert resumed.tasks["sleeper"].outputs.parameters == {"Output": "fast"}


HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from ideko.local.runner.run_lock import RunLock
    RunLock(Path(sys.argv[1]), "r")
    print("locked", flush=True)
    time.sleep(60)
    """
)


def test_a_live_lock_is_refused_with_its_pid_and_a_dead_ones_is_taken_over(tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(RunLockedError, match=rf"run 'r' is being run by PID {holder.pid} on"):
            RunLock(tmp_path, "r")
        assert holder_of(tmp_path).pid == holder.pid
    finally:
        holder.kill()
        holder.wait()
    assert holder_of(tmp_path) is None  # the kernel dropped the dead holder's flock
    lock = RunLock(tmp_path, "r")
    try:
        assert lock.previous is not None and lock.previous.pid == holder.pid
        assert holder_of(tmp_path).pid == os.getpid()
    finally:
        lock.release()
    assert RunLock(tmp_path, "r").previous is None  # released cleanly: nothing to take over


def _enospc(*args: object, **kwargs: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(args[-1]) if args else None)


def test_disk_full_in_the_cache_store_stops_cleanly_and_resumes(
    compiled, run_root, tmp_path, monkeypatch, capsys
):
    marker = tmp_path / "fast"
    marker.write_text("")
    monkeypatch.setattr(cache_module.shutil, "copy2", _enospc)
    monkeypatch.setattr(cache_module.shutil, "copytree", _enospc)
    argv = ["run", str(compiled["resumable"]), "--run-dir", str(run_root), "--launcher", "process"]
    assert main([*argv, "-p", f"marker={marker}"]) == 1
    err = capsys.readouterr().err
    assert "cannot store the outputs of make-data in the cache" in err
    assert "No space left on device; free some space" in err and "Traceback" not in err
    assert "fix the cause, then resume with: ideko run --resume" in err
    run_id = run_id_in(run_root)
    state = load_state(RunPaths(run_root.resolve(), run_id))
    assert state.status == "failed"
    assert {t.state for t in state.tasks.values()} <= {"succeeded", "not run"}
    assert state.tasks["make-data"].state == "succeeded"
    assert list((run_root / "cache").iterdir()) == []  # no half-written entry
    monkeypatch.undo()
    assert (
        main(["run", "--resume", run_id, "--run-dir", str(run_root), "--launcher", "process"]) == 0
    )
    resumed = load_state(RunPaths(run_root.resolve(), run_id))
    assert resumed.status == "succeeded" and resumed.tasks["make-data"].resumed


def test_disk_full_under_state_json_mid_run_fails_resumably(
    compiled, run_root, monkeypatch, capsys
):
    """The third save of state.json hits a full disk: the run stops, says which file, and
    its last save (the disk has room again) leaves nothing `running`."""
    saves = []
    real = run_module.save_state

    def full_once(paths: RunPaths, state: object) -> None:
        saves.append(1)
        if len(saves) == 3:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(paths.state_file))
        real(paths, state)

    monkeypatch.setattr(run_module, "save_state", full_once)
    argv = ["run", str(compiled["threads"]), "--run-dir", str(run_root), "--launcher", "process"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "the run cannot write (" in err and "state.json): No space left on device" in err
    assert "resume with: ideko run --resume" in err and "Traceback" not in err
    state = load_state(RunPaths(run_root.resolve(), run_id_in(run_root)))
    assert state.status == "failed" and "running" not in {t.state for t in state.tasks.values()}


def test_disk_full_while_preparing_a_run_leaves_no_run_folder(
    compiled, run_root, monkeypatch, capsys
):
    monkeypatch.setattr(run_module, "write_text", _enospc)
    assert main(["run", str(compiled["threads"]), "--run-dir", str(run_root)]) == 2
    err = capsys.readouterr().err
    assert "cannot prepare the run directory" in err and "No space left on device" in err
    assert "Traceback" not in err
    assert [p.name for p in run_root.iterdir()] == ["lineage.sqlite"]


def test_a_damaged_lineage_database_is_reported_and_bypassed_only_on_request(
    compiled, run_root, capsys
):
    run_root.mkdir(parents=True)
    db = run_root / "lineage.sqlite"
    db.write_bytes(b"not a database, just bytes\n" * 200)
    argv = ["run", str(compiled["threads"]), "--run-dir", str(run_root), "--launcher", "process"]
    for command in (argv, ["runs", "list", "--run-dir", str(run_root)]):
        assert main(command) == 2
        err = capsys.readouterr().err
        assert f"lineage database {db}" in err and "file is not a database" in err, err
        assert "--no-lineage" in err and "mv " in err and "Traceback" not in err
        assert [p.name for p in run_root.iterdir()] == ["lineage.sqlite"]  # no half-made run
    assert main([*argv, "--no-lineage"]) == 0
    assert "lineage is not recorded for this run (--no-lineage)" in capsys.readouterr().err
    run_id = run_id_in(run_root)
    resume = ["run", "--resume", run_id, "--run-dir", str(run_root), "--launcher", "process"]
    assert main(resume) == 2
    assert "file is not a database" in capsys.readouterr().err
    assert load_state(RunPaths(run_root.resolve(), run_id)).status == "succeeded"  # untouched
    assert main([*resume, "--no-lineage"]) == 0


def test_runs_list_tells_a_crashed_run_from_a_live_one(compiled, run_root, tmp_path, capsys):
    """A runner killed mid-run leaves `running` in the lineage; no one holds its lock."""
    from ideko.local.runner.lineage import LineageStore
    from ideko.local.runner.runs_view import run_status

    store = LineageStore(run_root / "lineage.sqlite")
    try:
        crashed = tmp_path / "crashed"
        crashed.mkdir()
        store.record_run("crashed", "p", "s", str(crashed), {}, "running", time.time())
        live = tmp_path / "live"
        live.mkdir()
        lock = RunLock(live, "live")
        store.record_run("live", "p", "s", str(live), {}, "running", time.time())
        statuses = {r.run_id: run_status(r) for r in store.runs()}
        lock.release()
    finally:
        store.close()
    assert statuses == {"crashed": "crashed (resumable)", "live": "running"}
    assert main(["runs", "list", "--run-dir", str(run_root)]) == 0
    assert "crashed (resumable)" in capsys.readouterr().out
