"""Builders shared by the hpo tests: Katib manifests around the fake trial script."""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

FAKE_TRIAL = str(Path(__file__).with_name("fake_trial.py"))
# The fake trial's quality: the accuracy it reports, scaled by epoch.
Q = {"name": "q", "parameterType": "double", "feasibleSpace": {"min": "0.1", "max": "0.9"}}


def manifest(
    *,
    parameters: list[dict[str, Any]] | None = None,
    args: list[str] | None = None,
    algorithm: str = "random",
    settings: dict[str, str] | None = None,
    max_trials: int = 4,
    parallel: int = 2,
    max_failed: int | None = 1,
    goal: float | None = None,
    objective_type: str = "maximize",
    early_stopping: dict[str, str] | None = None,
    additional: list[str] | None = None,
    metric: str = "accuracy",
    container: str = "training-container",
    image: str = "example/trial:1",
    command: list[str] | None = None,
    name: str = "fake-exp",
    namespace: str | None = "kubeflow",
) -> dict[str, Any]:
    """A valid Experiment running ``fake_trial.py`` with ``--quality ${trialParameters.q}``
    (or ``command`` with ``args``: bench/hpo_bench.py builds its train-step Experiment here)."""
    params = copy.deepcopy(parameters or [Q])  # tests edit the document they get
    names = [p["name"] for p in params]
    trial_args = args if args is not None else ["--quality", "${trialParameters.q}"]
    objective: dict[str, Any] = {
        "type": objective_type,
        "objectiveMetricName": metric,
        "additionalMetricNames": additional if additional is not None else ["training_time"],
    }
    if goal is not None:
        objective["goal"] = goal
    spec: dict[str, Any] = {
        "objective": objective,
        "algorithm": {
            "algorithmName": algorithm,
            "algorithmSettings": [{"name": k, "value": v} for k, v in (settings or {}).items()],
        },
        "parallelTrialCount": parallel,
        "maxTrialCount": max_trials,
        "parameters": params,
        "trialTemplate": {
            "primaryContainerName": container,
            "trialParameters": [{"name": n, "reference": n} for n in names],
            "trialSpec": {
                "apiVersion": "batch/v1",
                "kind": "Job",
                "spec": {
                    "template": {
                        "spec": {
                            "restartPolicy": "Never",
                            "containers": [
                                {
                                    "name": container,
                                    "image": image,
                                    "command": command or ["python", FAKE_TRIAL],
                                    "args": trial_args,
                                }
                            ],
                        }
                    }
                },
            },
        },
    }
    if max_failed is not None:
        spec["maxFailedTrialCount"] = max_failed
    if early_stopping is not None:
        spec["earlyStopping"] = {
            "algorithmName": "medianstop",
            "algorithmSettings": [{"name": k, "value": v} for k, v in early_stopping.items()],
        }
    return {
        "apiVersion": "kubeflow.org/v1beta1",
        "kind": "Experiment",
        "metadata": {"name": name, **({"namespace": namespace} if namespace else {})},
        "spec": spec,
    }


def categorical(name: str, values: list[str]) -> dict[str, Any]:
    return {"name": name, "parameterType": "categorical", "feasibleSpace": {"list": values}}


def with_args(document: dict[str, Any], args: list[str]) -> dict[str, Any]:
    """A copy whose trial container runs ``fake_trial.py`` with ``args``."""
    out = copy.deepcopy(document)
    container = out["spec"]["trialTemplate"]["trialSpec"]["spec"]["template"]["spec"]["containers"][
        0
    ]
    container["args"] = args
    return out


class ScriptedSuggester:
    """Hands out fixed assignments in order (None when exhausted) and records what it was told."""

    def __init__(self, assignments: list[dict[str, str]]) -> None:
        from ideko.local.katib.suggest import Suggestion

        self._queue = [Suggestion(dict(a), i) for i, a in enumerate(assignments)]
        self.told: list[tuple[dict[str, str], list[float] | None]] = []

    def ask(self):
        return self._queue.pop(0) if self._queue else None

    def tell(self, suggestion, values):
        self.told.append((suggestion.assignments, values))


def tune_scripted(tmp_path: Path, document: dict[str, Any], assignments: list[dict[str, str]],
                  **options: Any) -> tuple[Any, ScriptedSuggester]:
    """Run ``document`` with the tuner on ``assignments`` in order: its result, the suggester."""
    from ideko.local.katib.tuner import TuneOptions, Tuner
    from ideko.runtime.katib.experiment import plan_from_dict

    suggester = ScriptedSuggester(assignments)
    opts = TuneOptions(out_dir=tmp_path, show_progress=False, **options)
    return Tuner(plan_from_dict(document), opts, suggester=suggester).run(), suggester


def states(result: Any) -> list[str]:
    return [t.state for t in result.trials]


# medianstop after two trials from their 2nd report: the first two average 0.675 and 0.375,
# so the threshold (their mean) is 0.525; the third reports 0.4 and would then hang 30 s
# (``h``) unless stopped; the fourth runs to its end.
MEDIANSTOP = {"min_trials_required": "2", "start_step": "2"}
HANG_PARAMETERS = [Q, categorical("h", ["0", "30"])]
MEDIANSTOP_ASSIGNMENTS = [
    {"q": "0.9", "h": "0"},
    {"q": "0.5", "h": "0"},
    {"q": "0.4", "h": "30"},
    {"q": "0.8", "h": "0"},
]


def assert_third_trial_stopped(result: Any, suggester: ScriptedSuggester, within: float) -> None:
    """The medianstop scenario's outcome: only the third trial stopped, soon, with its metric."""
    import pytest

    assert states(result) == ["Succeeded", "Succeeded", "EarlyStopped", "Succeeded"]
    stopped = result.trials[2]
    assert stopped.seconds < within  # long before the 30 s hang ended
    assert "threshold 0.525" in stopped.message
    assert suggester.told[2][1] == [pytest.approx(0.4)]  # early-stopped trials report it


PYTHON = sys.executable
