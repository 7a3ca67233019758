"""Warm task processes: KFP python components forked from a preloaded server."""

import os
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


def test_warm_and_fresh_runs_give_the_same_outputs(
    compiled, run_pipeline, run_root, monkeypatch, tmp_path
):
    """The server warms up in the background: tasks ready before it start fresh (make_data
    and the two trainings, which wait until the launcher reports the server ready), later
    ones (evaluations, pick_best) are forked."""
    from ideko.local.runner import run as run_module

    real_launcher = run_module.warm_task_launcher
    warmed: list[bool] = []

    def gated_launcher(log_dir: Path, **options):
        launcher = real_launcher(log_dir, **options)
        gate = Path(os.environ["TEST_TRAIN_GATE"])

        def open_gate() -> None:
            warmed.append(launcher.wait_until_warm(timeout=600))
            gate.touch()

        threading.Thread(target=open_gate, daemon=True).start()
        return launcher

    monkeypatch.setattr(run_module, "warm_task_launcher", gated_launcher)
    outputs = {}
    for launcher in ("warm", "process"):
        gate = tmp_path / f"gate-{launcher}"
        if launcher == "process":
            gate.touch()  # nothing to wait for
        monkeypatch.setenv("TEST_TRAIN_GATE", str(gate))
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
            assert warmed == [True]
            forked = {c.parent.name for c in components}
            assert forked == {"evaluate-model", "evaluate-model-2", "pick-best"}, forked
            assert {"make-data", "train-model", "train-model-2"} <= {
                log.parent.name for log in logs
            }  # started while the server was warming up: fresh
            assert len(servers) == 1
        else:
            assert logs and components == [] and servers == []
    assert outputs["warm"] == outputs["process"]
    assert outputs["warm"]["condition-1/pick-best"] == {"Output": "b"}


def test_tasks_with_other_thread_budgets_get_their_own_server(compiled, run_pipeline):
    result = run_pipeline(compiled["threads"], launcher="warm")
    seen = {p: r.outputs.parameters["Output"] for p, r in result.records.items()}
    assert seen["threads-seen"] == seen["threads-seen-3"] == "2,2,2"
    assert seen["threads-seen-2"] == "1,1,1"
    assert len(list((result.run_dir / "warm").glob("warm-server-*.log"))) == 2


def test_the_last_task_to_start_starts_no_server(compiled, run_pipeline, tmp_path):
    """A re-run where every task but the uncached register is a cache hit: a server for it
    alone would import TensorFlow for nothing, so the task starts fresh and no server."""
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
