"""``--wait``: task states streamed through RUNNING to SUCCEEDED / FAILED; the exit status."""

from ideko.cluster.auth import KfpAuth
from ideko.cluster.package import PipelinePackage
from ideko.cluster.pipelines import Pipelines, connect
from ideko.cluster.retry import Retry
from ideko.cluster.watch import RunWatcher
from kfp_api_stub import Fault, RunScript
from submit_cases import IR, NS

PACKAGE = PipelinePackage(text=IR.read_text(encoding="utf-8"), source=str(IR))
NO_WAIT = Retry(attempts=3, base_seconds=0.0)


def started_run(stub):
    p = Pipelines(connect(stub.url, NS, KfpAuth("t", existing_token=stub.token)), NS, retry=NO_WAIT)
    plan = p.plan(PACKAGE, "exp")
    pipeline_id, version_id = p.publish(PACKAGE, plan)
    run_id, _ = p.run(
        experiment_id=p.experiment("exp", plan),
        run_name="r",
        pipeline_id=pipeline_id,
        version_id=version_id,
        parameters={},
        service_account=None,
    )
    return p.client, run_id


def watch(client, run_id, lines, **kwargs):
    watcher = RunWatcher(client, out=lines.append, poll_seconds=0.0, retry=NO_WAIT, **kwargs)
    return watcher.wait(run_id)


def test_running_then_succeeded(kfp_stub):
    client, run_id = started_run(kfp_stub)
    lines = []
    end = watch(client, run_id, lines)
    assert (end.state, end.exit_status) == ("SUCCEEDED", 0)
    assert (
        lines[0] == "run: PENDING" and "run: RUNNING" in lines and lines[-1].endswith("SUCCEEDED")
    )
    tasks = sorted(PACKAGE.document["root"]["dag"]["tasks"])
    assert f"  {tasks[1]}: RUNNING" in lines and f"  {tasks[1]}: SUCCEEDED" in lines
    assert len(lines) == len(set(lines))  # only changes are printed


def test_failed_run_exits_1_with_its_error(kfp_stub):
    kfp_stub.script = RunScript(outcome="FAILED")
    client, run_id = started_run(kfp_stub)
    lines = []
    end = watch(client, run_id, lines)
    assert (end.state, end.exit_status, end.error) == ("FAILED", 1, kfp_stub.script.error)
    last_task = sorted(PACKAGE.document["root"]["dag"]["tasks"])[-1]
    assert f"  {last_task}: FAILED" in lines


def test_read_failures_in_between_are_retried(kfp_stub):
    client, run_id = started_run(kfp_stub)
    kfp_stub.faults = [Fault(status=503, methods=("GET",), path_contains="/runs/")]
    lines = []
    assert watch(client, run_id, lines).state == "SUCCEEDED"
    assert any("reading the run failed (503" in line for line in lines)


def test_timeout_leaves_the_run_going(kfp_stub):
    kfp_stub.script = RunScript(finish_after=10**6)
    client, run_id = started_run(kfp_stub)
    ticks = iter(range(100))
    end = watch(client, run_id, [], timeout_seconds=3, clock=lambda: next(ticks))
    assert (end.state, end.exit_status) == ("TIMEOUT", 1) and "still RUNNING after 3s" in end.error
