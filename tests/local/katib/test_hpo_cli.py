"""`ideko tune`: exit codes, outputs, clear errors."""

import json

import yaml
from hpo_helpers import categorical, manifest
from ideko.cli.main import main


def write(tmp_path, document):
    path = tmp_path / "exp.yaml"
    path.write_text(yaml.safe_dump(document))
    return str(path)


def test_tune_succeeds_and_writes_outputs(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(
        [
            "tune",
            write(tmp_path, manifest(max_trials=2, parallel=2)),
            "--out",
            str(out),
            "--seed",
            "1",
            "--quiet",
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "Succeeded: Experiment has succeeded because max trial count has reached" in printed
    assert "best trial fake-exp-00" in printed
    for name in (
        "status.yaml",
        "status.json",
        "report.html",
        "trials.png",
        "trials/1.log",
        "trials/2.log",
    ):
        assert (out / name).exists(), name


def test_failed_experiment_exits_1_with_condition_message(tmp_path, capsys):
    document = manifest(
        args=["--quality", "${trialParameters.q}", "--exit", "2"],
        max_trials=2,
        parallel=1,
        max_failed=0,
    )
    code = main(["tune", write(tmp_path, document), "--out", str(tmp_path / "o"), "--quiet"])
    assert code == 1
    assert (
        "Failed: Experiment has failed because max failed count has reached"
        in capsys.readouterr().out
    )


def test_bad_manifest_is_a_clear_error(tmp_path, capsys):
    code = main(["tune", write(tmp_path, manifest(algorithm="enas")), "--quiet"])
    assert code == 2
    err = capsys.readouterr().err
    assert "'enas' is not supported" in err and "Traceback" not in err
    assert not (tmp_path / "tune-fake-exp").exists()


def test_set_arg_and_train_data_rewrite_trial_commands(tmp_path):
    args = ["--quality", "${trialParameters.q}", "--data-uri", "raw/", "--epochs", "5"]
    out = tmp_path / "o"
    code = main(
        [
            "tune",
            write(tmp_path, manifest(args=args, max_trials=1, parallel=1)),
            "--out",
            str(out),
            "--quiet",
            "--set-arg",
            "epochs=2",
            "--train-data",
            "/data/train.npz",
        ]
    )
    assert code == 0
    log = (out / "trials" / "1.log").read_text()
    assert "--epochs 2" in log and "--train-data /data/train.npz" in log and "--data-uri" not in log
    assert log.count("accuracy=") == 2


def test_multi_objective_reports_pareto_front(tmp_path, capsys):
    params = [
        {"name": "q", "parameterType": "double", "feasibleSpace": {"min": "0.1", "max": "0.9"}},
        categorical("c", ["1", "2", "3"]),
    ]
    args = ["--quality", "${trialParameters.q}", "--cost", "${trialParameters.c}"]
    document = manifest(parameters=params, args=args, max_trials=6, parallel=2)
    out = tmp_path / "o"
    code = main(
        [
            "tune",
            write(tmp_path, document),
            "--out",
            str(out),
            "--quiet",
            "--seed",
            "2",
            "--multi-objective",
            "accuracy:maximize,training_time:minimize",
        ]
    )
    assert code == 0
    html = (out / "report.html").read_text()
    assert "Pareto front" in html
    printed = capsys.readouterr().out
    assert "Pareto front (accuracy maximize, training_time minimize)" in printed
    front = [line for line in printed.splitlines() if line.startswith("  fake-exp-")]
    assert front and all(f"fake-exp-{n:03d}" in html for n in range(1, 7))
    # a trial on the front is not dominated by any other trial's printed point
    points = []
    for line in front:
        acc = float(line.split("accuracy=")[1].split()[0])
        cost = float(line.split("training_time=")[1].split()[0])
        points.append((acc, cost))
    for a in points:
        assert not any(b[0] >= a[0] and b[1] <= a[1] and b != a for b in points)
    status = json.loads((out / "status.json").read_text())
    assert status["items"][0]["status"]["trials"] == 6


def test_multi_objective_needs_collected_metrics(tmp_path, capsys):
    code = main(
        [
            "tune",
            write(tmp_path, manifest()),
            "--quiet",
            "--multi-objective",
            "accuracy:maximize,loss:minimize",
        ]
    )
    assert code == 2
    assert "loss are not collected" in capsys.readouterr().err
