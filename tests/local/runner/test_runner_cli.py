"""`ideko run` / `ideko runs` as users meet them: exit codes, messages without tracebacks,
lineage printing, Ctrl-C then --resume, and equivalence with kfp.local on the same IR."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest
from ideko.local.runner.cli import main
from ideko.local.runner.state import RunPaths, load_state
from kfp_local_helpers import comparable, run_with_kfp_local
from runner_processes import run_id_in, start_until_sleeping


def test_run_then_runs_list_and_show(compiled, run_root, capsys):
    assert main(["run", str(compiled["fan"]), "--run-dir", str(run_root), "-p", "n=3"]) == 0
    err = capsys.readouterr().err
    assert "succeeded" in err and "condition-1/pick-best" in err
    run_id = run_id_in(run_root)
    assert main(["runs", "list", "--run-dir", str(run_root)]) == 0
    assert run_id in capsys.readouterr().out  # whole, never cut to the terminal width
    assert main(["runs", "show", run_id, "--run-dir", str(run_root)]) == 0
    out = capsys.readouterr().out
    assert "model condition-1/train-model" in out
    assert "data_fingerprint=n=3" in out and "accuracy=0.3" in out


@pytest.mark.parametrize("columns", ["80", "40"])
def test_runs_show_never_cuts_task_paths_or_run_ids(compiled, run_root, columns):
    """Piped (no terminal) at a narrow width: every row names its whole task path, the run
    id is whole, and every output parameter is shown as ``key=value``."""
    import os

    from ideko.local.runner.lineage import LineageStore

    assert main(["run", str(compiled["fan"]), "--run-dir", str(run_root), "-p", "n=3"]) == 0
    run_id = run_id_in(run_root)
    command = [sys.executable, "-m", "ideko.local.runner.cli", "runs", "show", run_id]
    shown = subprocess.run(
        [*command, "--run-dir", str(run_root)],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": columns},
        check=True,
    ).stdout
    lines = shown.splitlines()
    assert lines[0].split()[0] == run_id
    store = LineageStore(run_root / "lineage.sqlite")
    try:
        executions = store.executions(run_id)
    finally:
        store.close()
    firsts = [line.split()[0] for line in lines if line.strip()]
    assert len({ex.task for ex in executions}) > 1
    for ex in executions:
        assert ex.task in firsts, (ex.task, shown)
        for key in ex.output_parameters:
            assert f"{key}=" in shown, (key, shown)
    section = shown[shown.index("executions") : shown.index("artifacts")]
    assert "…" not in section, section  # neither task paths nor output values are cut


def test_user_errors_are_one_message(compiled, run_root, tmp_path, capsys):
    cases = [
        (["run", str(compiled["fan"]), "-p", "bogus=1"], "unknown pipeline parameter"),
        (["run", str(tmp_path / "none.yaml")], "cannot read"),
        (["run", "--resume", "nope"], "no run 'nope'"),
        (["run"], "give a spec or pipeline.yaml"),
        (["run", str(compiled["fan"]), "--parallelism", "0"], "at least 1"),
    ]
    spec = tmp_path / "spec.yaml"
    spec.write_text("apiVersion: ideko.dev/v1\nmetadata: {name: x}\n")
    cases.append((["run", str(spec)], "no compiler is available"))
    for argv, message in cases:
        assert main([*argv, "--run-dir", str(run_root)]) == 2, argv
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err, (argv, err)
    assert main(["runs", "show", "nope", "--run-dir", str(tmp_path / "empty")]) == 1


def test_failed_run_exit_code_and_resume_hint(compiled, run_root, tmp_path, capsys):
    argv = ["run", str(compiled["flaky"]), "--run-dir", str(run_root)]
    argv += ["-p", f"counter={tmp_path / 'c'}", "-p", "fail_times=9"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "run failed" in err and "injected failure 3 of 9" in err
    assert "ideko run --resume" in err


def test_interrupted_run_resumes_without_redoing_finished_tasks(compiled, run_root, tmp_path):
    marker = tmp_path / "fast"
    proc = start_until_sleeping(compiled, run_root, marker)
    proc.send_signal(signal.SIGINT)
    output, _ = proc.communicate(timeout=30)
    assert proc.returncode == 130, output
    assert "resume with: ideko run --resume" in output
    run_id = run_id_in(run_root)
    paths = RunPaths(run_root.resolve(), run_id)
    interrupted = load_state(paths)
    assert interrupted.status == "interrupted"
    assert interrupted.tasks["sleeper"].state == "interrupted"
    assert interrupted.tasks["train-model"].state == "pending"
    marker.write_text("")  # the sleeper returns at once from now on
    assert main(["run", "--resume", run_id, "--run-dir", str(run_root)]) == 0
    resumed = load_state(paths)
    assert resumed.status == "succeeded"
    assert resumed.tasks["make-data"].resumed and resumed.tasks["make-data"].attempts == 1
    assert resumed.tasks["sleeper"].outputs.parameters == {"Output": "fast"}
    assert paths.log_file("sleeper", 1).exists() and paths.log_file("sleeper", 2).exists()
    assert not paths.log_file("make-data", 2).exists()
    assert resumed.tasks["train-model"].state == "succeeded"


def test_same_outputs_as_kfp_local(compiled, run_root, tmp_path, capsys):
    reference = run_with_kfp_local(compiled["fan"], tmp_path / "kfp-local", n=3)
    assert main(["run", str(compiled["fan"]), "--run-dir", str(run_root), "-p", "n=3"]) == 0
    state = load_state(RunPaths(run_root.resolve(), run_id_in(run_root)))
    ours = {
        path.rsplit("/", 1)[-1]: {
            "parameters": record.outputs.parameters,
            "artifacts": {name: [a.metadata] for name, a in record.outputs.artifacts.items()},
        }
        for path, record in state.tasks.items()
        if record.outputs is not None and record.attempts  # executed container tasks
    }
    assert set(reference) == set(ours)  # same tasks ran (and the same one was skipped)
    for task, output in reference.items():
        assert comparable(output) == ours[task], task


def test_report_gets_an_html_copy_in_the_run_directory(tmp_path):
    from ideko.local.runner.cli import _report_with_extension

    artifact = tmp_path / "artifacts" / "compare-models" / "report"
    artifact.parent.mkdir(parents=True)
    artifact.write_text("<html>ranking</html>")
    copy = _report_with_extension(artifact, tmp_path)
    assert copy == tmp_path / "report.html"
    assert copy.read_text() == "<html>ranking</html>"
    assert artifact.read_text() == "<html>ranking</html>"
