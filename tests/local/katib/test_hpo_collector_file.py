"""The File collector in the experiment loop: TEXT and JSON files, medianstop, missing files."""

import pytest
from collector_helpers import file_manifest
from hpo_helpers import (
    HANG_PARAMETERS,
    MEDIANSTOP,
    MEDIANSTOP_ASSIGNMENTS,
    assert_third_trial_stopped,
    states,
    tune_scripted,
)


def tune(tmp_path, document, assignments, **options):
    return tune_scripted(tmp_path, document, assignments, launcher="process", **options)


def test_text_file_is_collected_not_stdout(tmp_path):
    document = file_manifest(["--no-final-newline"], max_trials=1, parallel=1)
    result, _ = tune(tmp_path, document, [{"q": "0.6"}])
    (trial,) = result.trials
    assert trial.state == "Succeeded"
    # three file reports (the last without a newline); stdout's decoy accuracy=1.0 ignored
    assert trial.observation.values("accuracy") == pytest.approx([0.2, 0.4, 0.6])
    log = (tmp_path / "trials" / "1.log").read_text(encoding="utf-8")
    assert f"--metrics-file {tmp_path / 'trials' / '1.metrics' / 'metrics.log'}" in log
    assert "/var/log/katib" not in log


def test_json_file_with_string_numbers_and_garbage(tmp_path):
    document = file_manifest(["--format", "json", "--strings", "--garbage"], fmt="JSON")
    document["spec"]["maxTrialCount"] = 2
    result, suggester = tune(tmp_path, document, [{"q": "0.3"}, {"q": "0.9"}])
    assert states(result) == ["Succeeded", "Succeeded"]
    assert result.trials[1].observation.values("accuracy") == pytest.approx([0.3, 0.6, 0.9])
    assert result.trials[0].observation.logs[0].timestamp == "2023-11-14T22:13:20.500000Z"
    assert result.best.assignments == {"q": "0.9"}
    told = sorted((a["q"], v) for a, v in suggester.told)  # two in parallel: any order
    assert told == [("0.3", [pytest.approx(0.3)]), ("0.9", [pytest.approx(0.9)])]
    log = (tmp_path / "trials" / "1.log").read_text(encoding="utf-8")
    assert "# 2 line(s) of" in log and "were not JSON objects" in log


def test_json_numbers_count_too(tmp_path):
    document = file_manifest(["--format", "json"], fmt="JSON", max_trials=1, parallel=1)
    result, _ = tune(tmp_path, document, [{"q": "0.5"}])
    assert result.trials[0].observation.values("accuracy")[-1] == pytest.approx(0.5)


def test_trial_that_never_writes_the_file_is_metrics_unavailable(tmp_path):
    document = file_manifest(["--never-write"], max_trials=2, parallel=1, max_failed=0)
    result, _ = tune(tmp_path, document, [{"q": "0.5"}, {"q": "0.6"}])
    (trial,) = result.trials
    assert trial.state == "MetricsUnavailable"
    assert "never wrote its metrics file" in trial.message
    assert str(tmp_path / "trials" / "1.metrics" / "metrics.log") in trial.message
    assert result.condition == "Failed"


def test_medianstop_fires_from_the_file_while_the_trial_runs(tmp_path):
    document = file_manifest(
        ["--epochs", "2", "--hang", "${trialParameters.h}"],
        parameters=HANG_PARAMETERS,
        max_trials=4,
        parallel=1,
        early_stopping=MEDIANSTOP,
    )
    result, suggester = tune(tmp_path, document, MEDIANSTOP_ASSIGNMENTS)
    assert_third_trial_stopped(result, suggester, within=5)  # the file is polled every 0.2 s


def test_parallel_trials_write_their_own_files(tmp_path):
    document = file_manifest(["--sleep", "0.3"], max_trials=4, parallel=2)
    qualities = ["0.2", "0.4", "0.6", "0.8"]
    result, _ = tune(tmp_path, document, [{"q": q} for q in qualities])
    assert states(result) == ["Succeeded"] * 4
    for n, (trial, q) in enumerate(zip(result.trials, qualities, strict=True), start=1):
        assert trial.observation.values("accuracy")[-1] == pytest.approx(float(q))
        written = (tmp_path / "trials" / f"{n}.metrics" / "metrics.log").read_text("utf-8")
        assert written.splitlines()[-1] == f"epoch=2 accuracy={float(q):.6f}"
    spans = [(t.started, t.finished) for t in result.trials]
    assert spans[1][0] < spans[0][1]  # the first two ran at the same time


def test_rerun_into_the_same_out_dir_reads_no_stale_file(tmp_path):
    document = file_manifest(max_trials=1, parallel=1)
    tune(tmp_path, document, [{"q": "0.7"}])
    rerun = file_manifest(["--never-write"], max_trials=1, parallel=1, max_failed=0)
    result, _ = tune(tmp_path, rerun, [{"q": "0.7"}])
    assert result.trials[0].state == "MetricsUnavailable"
