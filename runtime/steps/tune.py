"""Tune step: run a model's Katib Experiment and hand its best parameters to the train step.

``backend``: ``katib`` creates the Experiment on the cluster (Kubernetes custom-objects
API, :mod:`ideko.runtime.katib.cluster`), ``local`` runs ``ideko tune``'s tuner
(:mod:`ideko.local.katib`, the local engine; imported only here, lazily, and it needs the
``[local]`` extra) on the same manifest on this process's machine, ``auto`` picks ``katib``
when an in-cluster Kubernetes configuration loads, else ``local``.
Either way trials read the preprocessed train split by its artifact location (``--train-data``
injected in place of ``--data-uri``), and the outputs are the best trial's assignments as
model-config overrides plus its objective value. The ``tuning_result`` artifact is a
directory: ``status.yaml``/``status.json`` (Katib-like), ``best.json``, and for the local
backend the trial logs and the HTML/PNG view.
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path
from typing import Any

from ideko.runtime.katib.errors import TuneError
from ideko.schema import env

BACKENDS = ("auto", "katib", "local")
DEFAULT_TIMEOUT_SECONDS = 6 * 3600.0


def choose_backend(backend: str) -> str:
    """``katib`` or ``local`` for a requested backend (``auto`` probes for a cluster)."""
    if backend not in BACKENDS:
        raise TuneError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if backend != "auto":
        return backend
    from ideko.runtime.katib.cluster import in_cluster

    return "katib" if in_cluster() else "local"


def _location(artifact: Any, remote: bool) -> str:
    """A cluster trial needs the object-store URI; a local one the file path."""
    uri = str(getattr(artifact, "uri", "") or "")
    path = str(getattr(artifact, "path", "") or "")
    if remote and uri:
        return uri
    return path or uri


def with_trial_seed(experiment: str, seed: int) -> str:
    """The Experiment (YAML or JSON) as JSON, ``--seed`` of its trial container = ``seed``."""
    import yaml
    from ideko.runtime.katib.trial_args import set_arg

    try:
        document = yaml.safe_load(experiment)
        template = document["spec"]["trialTemplate"]
        primary = template.get("primaryContainerName")
        containers = template["trialSpec"]["spec"]["template"]["spec"]["containers"]
        container = next(c for c in containers if c.get("name") == primary)
    except (yaml.YAMLError, KeyError, TypeError, StopIteration):
        raise TuneError(
            "cannot set the run's seed: the experiment has no Job trial template with its "
            "primary container"
        ) from None
    container["args"] = set_arg([str(a) for a in container.get("args") or []], "seed", str(seed))
    return json.dumps(document)


def component(
    *,
    model_config: str,
    experiment: str,
    train_data: Any,
    backend: str,
    tuning_result: Any,
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    katib_api: Any = None,
    poll_seconds: float = 10.0,
    seed: int | None = None,
) -> dict[str, Any]:
    """KFP body; returns ``{"best_parameters": JSON overrides, "best_objective": float}``.

    ``timeout_seconds`` bounds the wait for a cluster Experiment, polled every
    ``poll_seconds``; ``katib_api`` replaces the Kubernetes ``CustomObjectsApi`` (tests).
    ``seed`` is the run's seed: every trial trains with it (``--seed``), as the train step
    does, so a run with another seed tunes with that seed rather than the compiled one.
    """
    from ideko.runtime.katib.experiment import parse_experiment
    from ideko.runtime.katib.overrides import best_overrides

    if seed is not None:
        experiment = with_trial_seed(experiment, seed)
    plan = parse_experiment(experiment, source="experiment")
    config = json.loads(model_config)
    out_dir = Path(tuning_result.path)
    out_dir.mkdir(parents=True, exist_ok=True)
    chosen = choose_backend(backend)
    if chosen == "katib":
        assignments, objective, summary = _run_katib(
            plan,
            _location(train_data, remote=True),
            out_dir,
            timeout_seconds,
            katib_api,
            poll_seconds,
        )
    else:
        assignments, objective, summary = _run_local(plan, _location(train_data, False), out_dir)
    overrides = best_overrides(plan, assignments, config)
    best = {
        "backend": chosen,
        **summary,
        "objective_metric": plan.objective.metric,
        "best_objective": objective,
        "parameter_assignments": assignments,
        "overrides": overrides,
    }
    _write_json(out_dir / "best.json", best)
    metadata = getattr(tuning_result, "metadata", None)
    if metadata is not None:
        metadata.update({k: v for k, v in best.items() if k != "parameter_assignments"})
    return {
        "best_parameters": json.dumps(overrides, sort_keys=True, separators=(",", ":")),
        "best_objective": float(objective),
    }


def _run_local(plan: Any, data: str, out_dir: Path) -> tuple[dict[str, str], float, dict[str, Any]]:
    # The one import of the local engine from the runtime (an import-linter exception).
    from ideko.local.katib.tuner import TuneOptions, run_experiment
    from ideko.runtime.katib.experiment import SKOPT_ALGORITHMS

    suggester = "skopt" if plan.algorithm in SKOPT_ALGORITHMS else "optuna"
    if importlib.util.find_spec(suggester) is None:
        raise TuneError(
            f"backend local runs the local tuner, whose {plan.algorithm} search needs "
            f"{suggester}: install the local engine's extra (pip install "
            "'ideko[runtime,local]') or use backend katib on a cluster"
        )
    # serve_here: a task forked from ideko run's server holds TensorFlow already; its
    # trials' server is then a fork of it rather than a second import (~10 s of CPU)
    options = TuneOptions(
        out_dir=out_dir, train_data=data, show_progress=False, log_trials=True, serve_here=True
    )
    result = run_experiment(plan, options)
    if result.condition != "Succeeded":
        raise TuneError(f"Experiment {plan.name} failed: {result.reason}: {result.message}")
    if result.best is None:
        raise TuneError(
            f"Experiment {plan.name} succeeded ({result.reason}) without an optimal trial"
        )
    value = result.objective_value(result.best)
    assert value is not None
    observation = result.best.observation
    metrics = {
        name: observation.value(name, plan.objective.strategies[name])
        for name in plan.objective.metric_names
    }
    summary = {
        "experiment": plan.name,
        "best_trial": result.best.name,
        "reason": result.reason,
        "best_metrics": metrics,
    }
    return dict(result.best.assignments), value, summary


def _run_katib(
    plan: Any, data: str, out_dir: Path, timeout: float, api: Any, poll_seconds: float
) -> tuple[dict[str, str], float, dict[str, Any]]:
    import yaml
    from ideko.runtime.atomic import write_text
    from ideko.runtime.katib.cluster import run_on_cluster

    outcome = run_on_cluster(
        plan.manifest,
        data_uri=data,
        timeout_seconds=timeout,
        api=api,
        poll_seconds=poll_seconds,
        run_id=os.environ.get(env.KFP_RUN_ID) or os.environ.get("HOSTNAME"),
    )
    # the same List shape the local tuner writes (here with the Experiment only)
    document = {"apiVersion": "v1", "kind": "List", "items": [outcome.experiment]}
    write_text(out_dir / "status.yaml", yaml.safe_dump(document, sort_keys=False))
    _write_json(out_dir / "status.json", document)
    metric = plan.objective.metric
    values = outcome.metrics.get(metric)
    strategy = plan.objective.strategies[metric]
    try:
        objective = float(values[strategy]) if values else float("nan")
    except ValueError:
        objective = float("nan")
    if objective != objective:
        raise TuneError(f"the optimal trial of {outcome.name} reports no usable {metric} value")
    optimal = outcome.experiment["status"]["currentOptimalTrial"]
    metrics = {}
    for name, values in outcome.metrics.items():
        try:
            metrics[name] = float(values[plan.objective.strategies.get(name, "latest")])
        except (KeyError, ValueError):
            metrics[name] = None  # Katib's "unavailable"
    summary = {
        "experiment": outcome.name,
        "best_trial": optimal["bestTrialName"],
        "best_metrics": metrics,
    }
    return outcome.assignments, objective, summary


def _write_json(path: Path, value: Any) -> None:
    from ideko.runtime.atomic import write_json

    write_json(path, value, allow_nan=True, default=str)
