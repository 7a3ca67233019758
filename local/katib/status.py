"""The Katib-like result of a local experiment, as ``kubectl get experiment,trials -o yaml``.

``status.yaml`` / ``status.json`` hold a ``List`` whose first item is the Experiment (the
manifest as read, plus a v1beta1 ``status``: conditions, trial counters and name lists,
``currentOptimalTrial``) and whose other items are the Trials (``parameterAssignments``,
``observation`` with min/max/latest per metric, state condition, run time). Field names are
Katib's, so whatever reads a cluster's status reads this one.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from ideko.local.katib.trial import TrialResult
from ideko.local.katib.tuner import ExperimentResult, objective_value
from ideko.runtime.atomic import write_text

API_VERSION = "kubeflow.org/v1beta1"
COUNTERS = {
    "Succeeded": ("trialsSucceeded", "succeededTrialList"),
    "Failed": ("trialsFailed", "failedTrialList"),
    "Killed": ("trialsKilled", "killedTrialList"),
    "EarlyStopped": ("trialsEarlyStopped", "earlyStoppedTrialList"),
    "MetricsUnavailable": ("trialMetricsUnavailable", "metricsUnavailableTrialList"),
}


def _time(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def optimal_trial(result: ExperimentResult) -> dict[str, Any]:
    """Katib's ``currentOptimalTrial`` (empty name when no trial has an objective value)."""
    best = result.best
    if best is None:
        return {"bestTrialName": "", "parameterAssignments": [], "observation": {"metrics": []}}
    return {
        "bestTrialName": best.name,
        "parameterAssignments": assignments(best),
        "observation": best.observation.to_katib(result.plan.objective.metric_names),
    }


def assignments(trial: TrialResult) -> list[dict[str, str]]:
    return [{"name": k, "value": v} for k, v in trial.assignments.items()]


def experiment_status(result: ExperimentResult) -> dict[str, Any]:
    """The Experiment's v1beta1 ``status`` block."""
    started, finished = _time(result.started), _time(result.finished)
    status: dict[str, Any] = {
        "startTime": started,
        "completionTime": finished,
        "conditions": [
            _condition("Created", "ExperimentCreated", "Experiment is created", started),
            _condition("Running", "ExperimentRunning", "Experiment is running", started, "False"),
            _condition(result.condition, result.reason, result.message, finished),
        ],
        "currentOptimalTrial": optimal_trial(result),
        "trials": len(result.trials),
    }
    for state, (counter, names) in COUNTERS.items():
        matching = [t.name for t in result.trials if t.state == state]
        status[counter] = len(matching)
        if matching:
            status[names] = matching
    return status


def _condition(
    kind: str, reason: str, message: str, when: str, value: str = "True"
) -> dict[str, str]:
    return {
        "type": kind,
        "status": value,
        "reason": reason,
        "message": message,
        "lastUpdateTime": when,
        "lastTransitionTime": when,
    }


def trial_document(result: ExperimentResult, trial: TrialResult) -> dict[str, Any]:
    """One Trial resource: assignments, observation, terminal condition, wall time."""
    plan = result.plan
    value = objective_value(plan, trial)
    return {
        "apiVersion": API_VERSION,
        "kind": "Trial",
        "metadata": {
            "name": trial.name,
            "namespace": plan.namespace,
            "labels": {"katib.kubeflow.org/experiment": plan.name},
        },
        "spec": {"parameterAssignments": assignments(trial)},
        "status": {
            "startTime": _time(trial.started) if trial.started else None,
            "completionTime": _time(trial.finished) if trial.finished else None,
            "conditions": [
                _condition(
                    trial.state,
                    f"Trial{trial.state}",
                    trial.message or trial.state,
                    _time(trial.finished or result.finished),
                )
            ],
            "observation": trial.observation.to_katib(plan.objective.metric_names),
            "objectiveValue": value,
            "wallSeconds": round(trial.seconds, 3),
            "exitCode": trial.exit_code,
            "log": f"trials/{Path(trial.log_path).name}" if trial.log_path else None,
        },
    }


def status_document(result: ExperimentResult) -> dict[str, Any]:
    """The whole ``List``: the Experiment with its status, then every Trial."""
    manifest = dict(result.plan.manifest)
    experiment = {
        "apiVersion": manifest.get("apiVersion", API_VERSION),
        "kind": "Experiment",
        "metadata": manifest.get("metadata", {}),
        "spec": manifest.get("spec", {}),
        "status": experiment_status(result),
    }
    items = [experiment, *(trial_document(result, t) for t in result.trials)]
    return {"apiVersion": "v1", "kind": "List", "items": items}


def write_status(result: ExperimentResult, out_dir: Path) -> dict[str, Any]:
    """Write ``status.yaml`` and ``status.json`` under ``out_dir``; returns the document."""
    document = status_document(result)
    write_text(out_dir / "status.json", json.dumps(document, indent=2) + "\n")
    write_text(out_dir / "status.yaml", yaml.safe_dump(document, sort_keys=False))
    return document
