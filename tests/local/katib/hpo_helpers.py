"""Builders shared by the hpo tests: Katib manifests around the fake trial script."""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

FAKE_TRIAL = str(Path(__file__).with_name("fake_trial.py"))


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
) -> dict[str, Any]:
    """A valid Experiment running ``fake_trial.py`` with ``--quality ${trialParameters.q}``."""
    params = parameters or [
        {"name": "q", "parameterType": "double", "feasibleSpace": {"min": "0.1", "max": "0.9"}}
    ]
    names = [p["name"] for p in params]
    trial_args = args if args is not None else ["--quality", "${trialParameters.q}"]
    objective: dict[str, Any] = {
        "type": objective_type,
        "objectiveMetricName": "accuracy",
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
            "primaryContainerName": "training-container",
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
                                    "name": "training-container",
                                    "image": "example/trial:1",
                                    "command": ["python", FAKE_TRIAL],
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
        "metadata": {"name": "fake-exp", "namespace": "kubeflow"},
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


PYTHON = sys.executable
