"""The experiment loop on fake trials: accounting, goal, medianstop, parallelism, outputs."""

import json

import pytest
import yaml
from hpo_helpers import (
    HANG_PARAMETERS,
    MEDIANSTOP,
    MEDIANSTOP_ASSIGNMENTS,
    Q,
    ScriptedSuggester,
    assert_third_trial_stopped,
    categorical,
    manifest,
    states,
)
from hpo_helpers import tune_scripted as tune
from ideko.local.katib.tuner import TuneOptions, Tuner, run_experiment
from ideko.runtime.katib.experiment import plan_from_dict

EXIT_PARAMS = [Q, categorical("e", ["0", "1"])]
EXIT_ARGS = ["--quality", "${trialParameters.q}", "--exit", "${trialParameters.e}"]


def test_failed_trials_beyond_max_fail_the_experiment(tmp_path):
    document = manifest(
        parameters=EXIT_PARAMS, args=EXIT_ARGS, max_trials=5, parallel=1, max_failed=1
    )
    assignments = [
        {"q": "0.5", "e": "1"},
        {"q": "0.6", "e": "0"},
        {"q": "0.7", "e": "1"},
        {"q": "0.8", "e": "0"},
    ]
    result, suggester = tune(tmp_path, document, assignments)
    assert states(result) == ["Failed", "Succeeded", "Failed"]
    assert (result.condition, result.reason) == ("Failed", "ExperimentMaxFailedTrialsReached")
    assert "2 > 1" in result.message and "exited with status 1" in result.message
    assert [values for _, values in suggester.told] == [None, [pytest.approx(0.6)], None]


def test_failures_within_budget_still_succeed(tmp_path):
    document = manifest(
        parameters=EXIT_PARAMS, args=EXIT_ARGS, max_trials=3, parallel=1, max_failed=1
    )
    assignments = [{"q": "0.5", "e": "1"}, {"q": "0.6", "e": "0"}, {"q": "0.7", "e": "0"}]
    result, _ = tune(tmp_path, document, assignments)
    assert states(result) == ["Failed", "Succeeded", "Succeeded"]
    assert (result.condition, result.reason) == ("Succeeded", "ExperimentMaxTrialsReached")
    assert result.best.assignments["q"] == "0.7"


def test_metrics_unavailable_counts_as_failed(tmp_path):
    document = manifest(
        args=["--quality", "${trialParameters.q}", "--silent"],
        max_trials=3,
        parallel=1,
        max_failed=0,
    )
    result, _ = tune(tmp_path, document, [{"q": "0.5"}, {"q": "0.6"}])
    assert states(result) == ["MetricsUnavailable"]
    assert result.condition == "Failed"
    assert result.best is None


def test_goal_reached_ends_the_experiment(tmp_path):
    document = manifest(goal=0.7, max_trials=4, parallel=1)
    result, _ = tune(tmp_path, document, [{"q": "0.5"}, {"q": "0.75"}, {"q": "0.9"}, {"q": "0.3"}])
    assert states(result) == ["Succeeded", "Succeeded"]
    assert result.reason == "ExperimentGoalReached"
    assert result.best.assignments == {"q": "0.75"}


def test_goal_reached_kills_running_trials(tmp_path):
    params = [
        {"name": "q", "parameterType": "double", "feasibleSpace": {"min": "0.1", "max": "0.9"}},
        categorical("h", ["0", "30"]),
    ]
    args = ["--quality", "${trialParameters.q}", "--hang", "${trialParameters.h}"]
    document = manifest(parameters=params, args=args, goal=0.7, max_trials=4, parallel=2)
    result, _ = tune(tmp_path, document, [{"q": "0.2", "h": "30"}, {"q": "0.8", "h": "0"}])
    assert states(result) == ["Killed", "Succeeded"]
    assert result.reason == "ExperimentGoalReached"
    assert result.finished - result.started < 15


def test_minimize_goal(tmp_path):
    document = manifest(goal=0.3, objective_type="minimize", max_trials=3, parallel=1)
    result, _ = tune(tmp_path, document, [{"q": "0.5"}, {"q": "0.2"}, {"q": "0.1"}])
    # strategy min: the first epoch's accuracy (q/3) counts; 0.5/3 already <= 0.3
    assert states(result) == ["Succeeded"]
    assert result.reason == "ExperimentGoalReached"


def test_medianstop_in_the_loop(tmp_path):
    args = ["--quality", "${trialParameters.q}", "--hang", "${trialParameters.h}", "--epochs", "2"]
    document = manifest(
        parameters=HANG_PARAMETERS, args=args, max_trials=4, parallel=1, early_stopping=MEDIANSTOP
    )
    result, suggester = tune(tmp_path, document, MEDIANSTOP_ASSIGNMENTS)
    assert_third_trial_stopped(result, suggester, within=10)
    assert result.reason == "ExperimentMaxTrialsReached"


def test_parallel_trial_count_is_respected(tmp_path):
    document = manifest(
        args=["--quality", "${trialParameters.q}", "--sleep", "0.3"], max_trials=4, parallel=2
    )
    result, _ = tune(tmp_path, document, [{"q": str(q)} for q in (0.2, 0.4, 0.6, 0.8)])
    spans = [(t.started, t.finished) for t in result.trials]
    for t, _ in spans:
        overlapping = sum(1 for s, e in spans if s <= t < e)
        assert overlapping <= 2
    assert max(s for s, _ in spans) < min(e for _, e in spans) + 2  # and they did overlap in pairs
    assert len(result.trials) == 4


def test_grid_exhaustion_ends_with_suggestion_end(tmp_path):
    params = [
        {
            "name": "q",
            "parameterType": "double",
            "feasibleSpace": {"min": "0.2", "max": "0.4", "step": "0.1"},
        }
    ]
    document = manifest(parameters=params, algorithm="grid", max_trials=3, parallel=2)
    del document["spec"]["maxTrialCount"]
    plan = plan_from_dict(document)
    result = run_experiment(plan, TuneOptions(out_dir=tmp_path, show_progress=False, seed=1))
    assert sorted(t.assignments["q"] for t in result.trials) == ["0.2", "0.3", "0.4"]
    assert result.reason == "ExperimentSuggestionEndReached"


def test_status_and_view_files(tmp_path):
    document = manifest(max_trials=3, parallel=2, additional=["training_time"])
    plan = plan_from_dict(document)
    result = run_experiment(plan, TuneOptions(out_dir=tmp_path, show_progress=False, seed=3))
    status = yaml.safe_load((tmp_path / "status.yaml").read_text())
    assert status == json.loads((tmp_path / "status.json").read_text())
    experiment, *trials = status["items"]
    conditions = experiment["status"]["conditions"]
    assert conditions[-1]["type"] == "Succeeded" and conditions[-1]["status"] == "True"
    optimal = experiment["status"]["currentOptimalTrial"]
    assert optimal["bestTrialName"] == result.best.name
    best_q = max(float(t["spec"]["parameterAssignments"][0]["value"]) for t in trials)
    assert optimal["parameterAssignments"] == [{"name": "q", "value": repr(best_q)}]
    assert experiment["status"]["trialsSucceeded"] == 3 == len(trials)
    assert {m["name"] for m in optimal["observation"]["metrics"]} == {"accuracy", "training_time"}
    for n in (1, 2, 3):
        assert "accuracy=" in (tmp_path / "trials" / f"{n}.log").read_text()
    assert (tmp_path / "trials.png").read_bytes()[:4] == b"\x89PNG"
    html = (tmp_path / "report.html").read_text()
    assert result.best.name in html and "data:image/png;base64," in html


def test_interrupt_kills_running_trials(tmp_path):
    """Trials run in their own sessions; Ctrl-C in the tuner must not leave them running."""
    import time

    params = [
        {"name": "q", "parameterType": "double", "feasibleSpace": {"min": "0.1", "max": "0.9"}},
        categorical("h", ["0", "30"]),
    ]
    args = ["--quality", "${trialParameters.q}", "--hang", "${trialParameters.h}"]
    plan = plan_from_dict(manifest(parameters=params, args=args, max_trials=2, parallel=2))

    class Interrupting(ScriptedSuggester):
        def tell(self, suggestion, values):
            raise KeyboardInterrupt

    tuner = Tuner(
        plan,
        TuneOptions(out_dir=tmp_path, show_progress=False),
        suggester=Interrupting([{"q": "0.5", "h": "0"}, {"q": "0.6", "h": "30"}]),
    )
    started = time.time()
    with pytest.raises(KeyboardInterrupt):
        tuner.run()
    assert time.time() - started < 15
    assert [t.state for t in tuner.trials] == ["Succeeded", "Killed"]
