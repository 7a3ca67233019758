"""Warm task processes: KFP python components forked from a preloaded server."""

import threading
from pathlib import Path

import pytest
from ideko.local.runner.ir import load_pipeline
from ideko.local.runner.kfp_fork import kfp_component

ROOT = Path(__file__).resolve().parents[3]
GENERATED = ROOT / "generated" / "ideko-anomaly-classification" / "pipeline.yaml"


def executor_commands() -> dict[str, list[str]]:
    document = load_pipeline(GENERATED).doc
    return {
        name: [*executor["container"]["command"], *executor["container"]["args"]]
        for name, executor in document["deploymentSpec"]["executors"].items()
    }


def test_every_compiled_task_is_recognised_as_a_kfp_python_component():
    commands = executor_commands()
    assert len(commands) >= 10
    for name, command in commands.items():
        parsed = kfp_component(command)
        assert parsed is not None, name
        source, args = parsed
        assert source == command[3] and "def " in source
        assert args[:2] == ["--executor_input", "{{$}}"]


def test_a_run_whose_tasks_log_to_mlflow_preloads_the_client_in_its_task_server(monkeypatch):
    """The server starts with the first ready task's environment (preprocess: untracked), so
    whether trainings will log is read from the pipeline: with it, they do not import MLflow."""
    from ideko.local.runner.kfp_fork import TRACKING_CLIENT, runner_plan
    from ideko.local.runner.run import LocalRunner
    from ideko.schema.env import MLFLOW_TRACKING_URI, TRACKING_URI

    monkeypatch.delenv(MLFLOW_TRACKING_URI, raising=False)
    monkeypatch.delenv(TRACKING_URI, raising=False)
    assert TRACKING_CLIENT in runner_plan(tracking=True).imports
    assert TRACKING_CLIENT not in runner_plan().imports
    assert LocalRunner._tracks(load_pipeline(GENERATED))  # the demo spec tracks into registry/
    untracked = load_pipeline(GENERATED)
    for node in untracked.nodes.values():
        env = (node.executor or {}).get("env", [])
        env[:] = [item for item in env if item["name"] != TRACKING_URI]
    assert not LocalRunner._tracks(untracked)
    monkeypatch.setenv(MLFLOW_TRACKING_URI, "http://mlflow.example:5000")  # a KFP plugin's
    assert LocalRunner._tracks(untracked)


@pytest.mark.parametrize(
    "change",
    [
        lambda script: "pip install pandas\n" + script,  # install_kfp_package / packages
        lambda script: script.replace("python3 -m kfp.dsl.executor_main", "python3 other.py"),
        lambda script: script + "\necho done\n",
    ],
)
def test_anything_else_starts_fresh(change):
    command = next(iter(executor_commands().values()))
    assert kfp_component(["sh", "-ec", change(command[2]), *command[3:]]) is None
    assert kfp_component(["bash", "-ec", *command[2:]]) is None
    assert kfp_component(["python3", "-c", "print(1)"]) is None


@pytest.fixture
def as_ideko_steps(monkeypatch, tmp_path):
    """The tiny stdlib-only components stand in for ideko's steps, which import what the
    task server preloads (a stdlib-only component starts no server: the test below), and
    the server's preload is a module that takes 3 s to import, without CPU: what these
    tests check is which task forks from which server, with which set-up, and a task that
    is ready while its server warms must see it warming; a TensorFlow import per server
    (~8 s of CPU, two servers in the thread-budget test) would check nothing more
    (test_runner_ideko.py runs the real preloads)."""
    from ideko.local.launch.warm_server import WarmPlan
    from ideko.local.runner import kfp_fork

    preloads = tmp_path / "preloads"
    preloads.mkdir()
    (preloads / "slow_preload.py").write_text("import time\n\ntime.sleep(3)\n")
    monkeypatch.setenv("PYTHONPATH", str(preloads))  # the tasks' env, hence the servers'
    real = kfp_fork.runner_plan(tracking=False)
    assert real is not None
    light = WarmPlan(real.module, ("slow_preload",), real.env)  # the same set-up variables
    monkeypatch.setattr(kfp_fork, "runner_plan", lambda tracking=False: light)
    monkeypatch.setattr(kfp_fork, "uses_preloads", lambda source, plan: True)


def test_only_components_that_import_what_the_server_preloads_start_or_wait_for_one(
    compiled, run_pipeline
):
    """Every compiled ideko step imports its step module (preloaded); a stdlib-only
    component would be held for, and pay, a TensorFlow import it never uses: it starts
    fresh, and a run of such components starts no server."""
    from ideko.local.runner.kfp_fork import runner_plan, uses_preloads

    plan = runner_plan(tracking=True)
    assert plan is not None
    for name, command in executor_commands().items():
        assert uses_preloads(command[3], plan), name
    assert not uses_preloads("import kfp\nfrom kfp import dsl\ndef f():\n    import os\n", plan)
    assert uses_preloads("def f():\n    from ideko.runtime.training import trainer\n", plan)
    result = run_pipeline(compiled["fan"], parameters={"n": "3"}, launcher="warm")
    assert result.status == "succeeded", result.failure
    assert not list((result.run_dir / "tasks").rglob("*.component.py"))  # no fork
    assert not list((result.run_dir / "warm").glob("warm-server-*.log"))  # no server


def test_warm_and_fresh_runs_give_the_same_outputs(
    compiled, run_pipeline, monkeypatch, as_ideko_steps
):
    """The launch that starts the server runs fresh (make_data); the tasks ready while it
    warms up (the two trainings) are held until it is ready and forked, as are the later
    ones: no task pays the imports a second time beside the server."""
    from ideko.local.launch import launcher as launcher_module

    asked: list[bool] = []
    real_warming = launcher_module.Launcher.warming

    def warming(self, plan, env):  # the trainings must have been held at least once
        answer = real_warming(self, plan, env)
        asked.append(answer)
        return answer

    monkeypatch.setattr(launcher_module.Launcher, "warming", warming)
    outputs = {}
    for launcher in ("warm", "process"):
        result = run_pipeline(
            compiled["fan"], parameters={"n": "3"}, use_cache=False, launcher=launcher
        )
        assert result.status == "succeeded"
        outputs[launcher] = {
            path: record.outputs.parameters
            for path, record in result.records.items()
            if record.outputs is not None
        }
        logs = sorted((result.run_dir / "tasks").rglob("attempt-1.log"))
        components = sorted((result.run_dir / "tasks").rglob("attempt-1.component.py"))
        servers = sorted((result.run_dir / "warm").glob("warm-server-*.log"))
        if launcher == "warm":
            assert True in asked  # held while the server warmed
            forked = {c.parent.name for c in components}
            assert forked == {
                "train-model", "train-model-2", "evaluate-model", "evaluate-model-2", "pick-best"
            }, forked  # fmt: skip
            assert "make-data" in {log.parent.name for log in logs}  # fresh: started it
            assert len(servers) == 1
        else:
            assert logs and components == [] and servers == []
    assert outputs["warm"] == outputs["process"]
    assert outputs["warm"]["condition-1/pick-best"] == {"Output": "b"}


def test_a_heavy_task_whose_launch_would_start_the_server_waits_for_it_too(
    compiled, run_pipeline, monkeypatch, as_ideko_steps
):
    """A task whose own fresh start costs what the server's warm-up does (``warm_first``:
    the train step, whose module declares warm imports) starts the warm-up and is held too,
    while another task may still use the server: every task of the fan run forks."""
    from ideko.local.launch.warm_server import WarmPlan
    from ideko.local.runner import kfp_fork

    train = "def train():\n    from ideko.runtime.steps import train\n"
    plan = kfp_fork.runner_plan(tracking=False)  # the fixture's light plan
    real = WarmPlan(plan.module, ("ideko.runtime.steps.train", "ideko.runtime.steps.compare"))
    assert kfp_fork.starts_heavy(train, real)
    assert not kfp_fork.starts_heavy(train.replace("train\n", "compare\n"), real)
    monkeypatch.setattr(kfp_fork, "starts_heavy", lambda source, plan: True)
    result = run_pipeline(compiled["fan"], parameters={"n": "3"}, use_cache=False, launcher="warm")
    assert result.status == "succeeded", result.failure
    tasks = result.run_dir / "tasks"
    forked = {c.parent.name for c in tasks.rglob("attempt-1.component.py")}
    assert "make-data" in forked and forked == {log.parent.name for log in tasks.rglob("*.log")}
    assert len(list((result.run_dir / "warm").glob("warm-server-*.log"))) == 1


def test_a_server_that_stays_warming_holds_tasks_only_for_the_bound(tmp_path, monkeypatch):
    """A task waits for a warming server at most WARM_WAIT_SECONDS after it started; past
    that (or once the server is ready, or gone) ``warming`` says start now."""
    from ideko.local.launch import launcher as launcher_module
    from ideko.local.runner.kfp_fork import runner_plan

    plan = runner_plan()
    launcher = launcher_module.Launcher("warm", tmp_path, per_setup=True)
    env = {"IDEKO_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    key = (plan, launcher_module.setup_key(plan, env))
    assert launcher.warming(plan, env) is False  # no server: nothing to wait for
    launcher._warming[key] = threading.Thread(target=lambda: None)  # a warm-up under way
    launcher._warm_since[key] = launcher_module.time.monotonic()
    assert launcher.warming(plan, env) is True
    other = {**env, "OMP_NUM_THREADS": "2"}
    assert launcher.warming(plan, other) is False  # another set-up has no server yet
    launcher._warm_since[key] -= launcher_module.WARM_WAIT_SECONDS
    assert launcher.warming(plan, env) is False  # held long enough: start fresh
    launcher._warm_since[key] = launcher_module.time.monotonic()
    launcher._warmed.add(key)
    assert launcher.warming(plan, env) is False  # ready: fork now


def test_tasks_with_other_thread_budgets_get_their_own_server(
    compiled, run_pipeline, as_ideko_steps
):
    result = run_pipeline(compiled["threads"], launcher="warm")
    seen = {p: r.outputs.parameters["Output"] for p, r in result.records.items()}
    assert seen["threads-seen"] == seen["threads-seen-3"] == "2,2,2"
    assert seen["threads-seen-2"] == "1,1,1"
    assert len(list((result.run_dir / "warm").glob("warm-server-*.log"))) == 2


@pytest.mark.parametrize("heavy", [False, True])
def test_the_last_task_to_start_starts_no_server(
    compiled, run_pipeline, tmp_path, as_ideko_steps, monkeypatch, heavy
):
    """A re-run where every task but the uncached register is a cache hit: a server for it
    alone would import TensorFlow for nothing, so the task starts fresh and no server (and
    a heavy task is not held for a server no other task would use)."""
    from ideko.local.runner import kfp_fork

    monkeypatch.setattr(kfp_fork, "starts_heavy", lambda source, plan: heavy)
    registry = str(tmp_path / "registry")
    first = run_pipeline(compiled["lineage"], parameters={"registry": registry}, launcher="process")
    assert first.status == "succeeded", first.failure
    again = run_pipeline(compiled["lineage"], parameters={"registry": registry}, launcher="warm")
    assert again.status == "succeeded", again.failure
    ran = {p for p, r in again.records.items() if r.state == "succeeded" and not r.cached}
    assert ran == {"register-best"}
    registered = again.records["register-best"].outputs.artifacts["registered_model"]
    assert registered.metadata["version"] == "2"  # it ran again: the second registration
    assert (again.run_dir / "tasks" / "register-best" / "attempt-1.log").is_file()
    assert not list(again.run_dir.glob("warm/warm-server-*.log"))


def test_a_fork_left_by_a_crashed_runner_is_found_by_its_run_marker(tmp_path):
    """``--resume`` stops leftovers whose /proc/PID/environ carries the run marker; a fork's
    is its server's, which the runner starts with the task's environment."""
    import os
    import signal
    import sys
    import time

    from ideko.local.launch.warm_server import WarmPlan, WarmServer
    from ideko.local.runner.task_process import stop_leftover

    (tmp_path / "sleepy.py").write_text(
        "import time\nif __name__ == '__main__':\n    time.sleep(60)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "IDEKO_RUN_ID": "run-42"}
    server = WarmServer(WarmPlan("sleepy", ()), tmp_path / "server.log", env=env)
    log = (tmp_path / "task.log").open("wb")
    try:
        forked = server.fork([], {**env, "EXTRA": "1"}, log.fileno(), str(tmp_path))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and os.getpgid(forked.pid) != forked.pid:
            time.sleep(0.05)  # until the fork has made its session
        assert not stop_leftover(forked.pid, "IDEKO_RUN_ID=other-run")
        assert forked.running()
        assert stop_leftover(forked.pid, "IDEKO_RUN_ID=run-42")
        assert forked.wait(10) == -signal.SIGTERM
    finally:
        log.close()
        server.close()
    assert sys.modules.get("sleepy") is None  # the module ran in the fork only
