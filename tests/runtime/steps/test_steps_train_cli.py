"""The train CLI as a Katib trial runs it: stdout holds only metric lines; errors are clear."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

FILTER = re.compile(r"([\w|-]+)\s*=\s*([+-]?\d*(\.\d+)?([Ee][+-]?\d+)?)")
NUMBER = r"[+-]?\d+(\.\d+)?([eE][+-]?\d+)?"
EPOCH_LINE = re.compile(
    rf"^epoch=\d+ loss={NUMBER} accuracy={NUMBER} validation_loss={NUMBER} "
    rf"validation_accuracy={NUMBER}( score={NUMBER})?$"
)
FINAL_LINE = re.compile(rf"^validation_accuracy={NUMBER} training_time={NUMBER}( score={NUMBER})?$")


def run_train(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "IDEKO_NUM_THREADS": "1", "TF_CPP_MIN_LOG_LEVEL": "2"}
    return subprocess.run(
        [sys.executable, "-m", "ideko.runtime.steps.train", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def train_in_process(capsys: pytest.CaptureFixture[str], *args: str) -> list[str]:
    """The train CLI's ``main`` in this process (exit status 0 asserted): its stdout lines.

    The same parser and action a trial's ``python -m ideko.runtime.steps.train`` runs, without
    a fresh interpreter and TensorFlow import; the one test about what a fresh trial process
    prints (test_trial_stdout_is_only_metric_lines) keeps its own process.
    """
    from ideko.runtime.steps.train import main

    capsys.readouterr()
    code = main(list(args))
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out.splitlines()


@pytest.mark.slow
def test_trial_stdout_is_only_metric_lines(splits, make_config, tmp_path):
    config = make_config("gru", epochs=2)
    weights = {"validation_accuracy": 0.9, "training_time": 0.1, "time_reference_seconds": 60}
    out = tmp_path / "model"
    proc = run_train(
        "--model-config", json.dumps(config),
        "--train-data", splits["train"].as_uri(),
        "--set", "model_parameters.hidden_units.0=5",
        "--set", "training_parameters.learning_rate=0.003",
        "--score-weights", json.dumps(weights),
        "--seed", "4",
        "--output", str(out),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 3, proc.stdout
    assert all(EPOCH_LINE.match(line) for line in lines[:-1]), lines
    assert FINAL_LINE.match(lines[-1]), lines[-1]
    # Every name=value the Katib filter finds is one we meant to report, with a real number.
    for line in lines:
        for match in FILTER.finditer(line):
            assert match.group(1) in {
                "epoch", "loss", "accuracy", "validation_loss", "validation_accuracy",
                "training_time", "score",
            }  # fmt: skip
            float(match.group(2))
    final = {m.group(1): float(m.group(2)) for m in FILTER.finditer(lines[-1])}
    best = max(
        float(FILTER.search(line[line.index("validation_accuracy") :]).group(2))
        for line in lines[:-1]
    )
    assert final["validation_accuracy"] == pytest.approx(best, abs=1e-6)
    assert final["score"] == pytest.approx(
        0.9 * final["validation_accuracy"] - 0.1 * final["training_time"] / 60, abs=1e-5
    )
    history = json.loads((out / "history.json").read_text())
    assert history["model_config"]["model_parameters"]["hidden_units"] == [5]
    assert history["model_config"]["training_parameters"]["learning_rate"] == 0.003
    assert (out / "model_gru.keras").is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--model-config", "{not json", "--train-data", "x.npz"],
            "--model-config: not valid JSON",
        ),
        (["--model-config", "[]", "--train-data", "x.npz"], "expected a JSON object"),
        (
            ["--model-config", "{}", "--train-data", "x.npz", "--seed", "two"],
            "'two' is not an integer",
        ),
        (["--model-config", "{}"], "one of the arguments --train-data --data-uri is required"),
        (
            ["--model-config", '{"architecture": "svm"}', "--train-data", "x.npz"],
            "architecture: 'svm'",
        ),
        (
            [
                "--model-config",
                "MODEL",
                "--train-data",
                "x.npz",
                "--set",
                "model_parameters.units.9=3",
            ],
            "not an index below 2",
        ),
        (["--model-config", "MODEL", "--train-data", "missing.npz"], "missing.npz does not exist"),
        (
            ["--model-config", "MODEL", "--train-data", "ftp://bucket/train.npz"],
            "ftp:// is not readable here",
        ),
        (["--model-config", "MODEL", "--data-uri", "raw"], "--data-uri needs --data-config"),
        (
            [
                "--model-config",
                "MODEL",
                "--train-data",
                "x.npz",
                "--score-weights",
                '{"validation_accuracy": 1}',
            ],
            "training_time must be a number",
        ),
    ],
)
def test_bad_arguments_are_one_line_errors(make_config, tmp_path, args, message):
    args = [json.dumps(make_config("dense")) if a == "MODEL" else a for a in args]
    args = [str(tmp_path / a) if a in ("x.npz", "missing.npz") else a for a in args]
    (tmp_path / "x.npz").write_bytes(b"")
    from ideko.runtime.steps.train import main

    proc_err = _capture(main, args)
    assert proc_err[0] == 2
    assert message in proc_err[1]
    assert "Traceback" not in proc_err[1]


def _capture(main, args):
    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        try:
            code = main(args)
        except SystemExit as exc:  # argparse usage errors
            code = exc.code
    return code, err.getvalue()


@pytest.mark.slow
def test_generated_katib_trial_command_runs(raw_data, capsys):
    """The compiler's trial template (generated/*/katib/*.yaml) is a valid train command line,
    and the trial prepares the raw data itself (``--data-uri`` with ``--data-config``)."""
    import re as regex
    from pathlib import Path

    import yaml

    root = Path(__file__).resolve().parents[3]
    manifests = sorted(root.glob("generated/*/katib/*.yaml"))
    experiments = [
        doc
        for path in manifests
        for doc in yaml.safe_load_all(path.read_text())
        if doc and doc.get("kind") == "Experiment"
    ]
    assert experiments, "generated/ holds the compiled Katib Experiments"
    spec = experiments[0]["spec"]
    container = spec["trialTemplate"]["trialSpec"]["spec"]["template"]["spec"]["containers"][0]
    assert container["command"][:3] == ["python", "-m", "ideko.runtime.steps.train"]
    values = {}
    for parameter in spec["parameters"]:
        space = parameter["feasibleSpace"]
        values[parameter["name"]] = space["list"][0] if "list" in space else space["min"]
    refs = {t["name"]: values[t["reference"]] for t in spec["trialTemplate"]["trialParameters"]}
    args = [
        regex.sub(r"\$\{trialParameters\.(\w+)\}", lambda m: str(refs[m.group(1)]), a)
        for a in container["args"]
    ]
    args[args.index("--data-uri") + 1] = str(raw_data)
    assert "--data-config" in args
    lines = train_in_process(capsys, *args, "--set", "training_parameters.epochs=1")
    final = lines[-1]
    assert FINAL_LINE.match(final), final
    names = {m.group(1) for m in FILTER.finditer(final)}
    assert {
        spec["objective"]["objectiveMetricName"],
        *spec["objective"].get("additionalMetricNames", []),
    } <= names
