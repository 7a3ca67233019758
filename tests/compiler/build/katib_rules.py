"""Katib's admission-webhook rules for Experiments, encoded as a checker for tests.

Mirrors what Katib's experiment validator rejects (v1beta1, default katib-config): name
rules, known algorithm names, objective, trial counts, feasible spaces, trial-template
parameter wiring, primary container, success/failure conditions and metrics collector.
``MAX_NAME`` is ideko's stricter practical limit (suggestion Service `<name>-<algorithm>`
must stay within 63 characters).
"""

from __future__ import annotations

import re
from typing import Any

# Suggestion algorithms in Katib's default katib-config (suggestion services shipped).
KNOWN_ALGORITHMS = {
    "random",
    "grid",
    "tpe",
    "multivariate-tpe",
    "cmaes",
    "sobol",
    "bayesianoptimization",
    "hyperband",
    "enas",
    "darts",
    "pbt",
}
EARLY_STOPPING_ALGORITHMS = {"medianstop"}
OBJECTIVE_TYPES = {"maximize", "minimize"}
PARAMETER_TYPES = {"int", "double", "categorical", "discrete"}
DISTRIBUTIONS = {"uniform", "logUniform", "normal", "logNormal"}
COLLECTOR_KINDS = {
    "StdOut",
    "File",
    "TensorFlowEvent",
    "PrometheusMetric",
    "Custom",
    "None",
    "Push",
}
NAME_RE = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
MAX_NAME = 40
TRIAL_PARAM_RE = re.compile(r"\$\{trialParameters\.([^}]+)\}")
# Trial-spec placeholders Katib fills itself (not trial parameters).
META_RE = re.compile(r"\$\{trialSpec\.[A-Za-z]+\}")


def _float(text: Any) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def _parameter_violations(param: dict[str, Any]) -> list[str]:
    name = param.get("name")
    out: list[str] = []
    kind = param.get("parameterType")
    space = param.get("feasibleSpace") or {}
    if kind not in PARAMETER_TYPES:
        out.append(f"parameter {name}: parameterType {kind!r} unknown")
        return out
    if kind in ("int", "double"):
        if "list" in space:
            out.append(f"parameter {name}: {kind} must use min/max, not list")
        low, high = _float(space.get("min")), _float(space.get("max"))
        if low is None or high is None:
            out.append(f"parameter {name}: min and max must be numeric strings")
        elif low >= high:
            out.append(f"parameter {name}: min must be < max")
        if kind == "int" and any(
            v is not None and not re.fullmatch(r"-?\d+", str(v))
            for v in (space.get("min"), space.get("max"), space.get("step"))
        ):
            out.append(f"parameter {name}: int bounds must be integers")
        if "step" in space:
            step = _float(space["step"])
            if step is None or step <= 0:
                out.append(f"parameter {name}: step must be > 0")
        dist = space.get("distribution")
        if dist is not None and dist not in DISTRIBUTIONS:
            out.append(f"parameter {name}: distribution {dist!r} unknown")
        if dist in ("logUniform", "logNormal") and low is not None and low <= 0:
            out.append(f"parameter {name}: log distributions need min > 0")
    else:
        values = space.get("list")
        if not values:
            out.append(f"parameter {name}: {kind} needs a non-empty list")
        elif any(not isinstance(v, str) for v in values):
            out.append(f"parameter {name}: list values must be strings")
        elif len(set(values)) != len(values):
            out.append(f"parameter {name}: list values must be unique")
        if set(space) - {"list"}:
            out.append(f"parameter {name}: {kind} takes only a list")
    for key, value in space.items():
        if key in ("min", "max", "step") and not isinstance(value, str):
            out.append(f"parameter {name}: feasibleSpace.{key} must be a string")
    return out


def _strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return []


def _template_violations(spec: dict[str, Any], names: set[str]) -> list[str]:
    out: list[str] = []
    template = spec.get("trialTemplate") or {}
    trial_params = template.get("trialParameters") or []
    declared = [p.get("name") for p in trial_params]
    if len(set(declared)) != len(declared):
        out.append("trialParameters names must be unique")
    for p in trial_params:
        if p.get("reference") not in names:
            out.append(f"trialParameter {p.get('name')}: reference is not an experiment parameter")
    trial_spec = template.get("trialSpec")
    if not isinstance(trial_spec, dict):
        return [*out, "trialTemplate.trialSpec is required"]
    used = {m for s in _strings(trial_spec) for m in TRIAL_PARAM_RE.findall(s)}
    for missing in sorted(used - set(declared)):
        out.append(f"${{trialParameters.{missing}}} used but not declared")
    for unused in sorted(set(declared) - used):
        out.append(f"trialParameter {unused} declared but not used in trialSpec")
    if not trial_spec.get("apiVersion") or not trial_spec.get("kind"):
        out.append("trialSpec needs apiVersion and kind")
    primary = template.get("primaryContainerName")
    pod = ((trial_spec.get("spec") or {}).get("template") or {}).get("spec") or {}
    containers = [c.get("name") for c in pod.get("containers") or []]
    if not primary:
        out.append("primaryContainerName is required")
    elif trial_spec.get("kind") == "Job" and primary not in containers:
        out.append(f"primaryContainerName {primary!r} is not a container of the Job")
    if trial_spec.get("kind") == "Job" and pod.get("restartPolicy") not in ("Never", "OnFailure"):
        out.append("a Job's pod restartPolicy must be Never or OnFailure")
    for key in ("successCondition", "failureCondition"):
        if not template.get(key):
            out.append(f"trialTemplate.{key} must be set")
    return out


def violations(manifest: dict[str, Any]) -> list[str]:
    """Every rule the manifest breaks; empty when Katib's webhook would admit it."""
    out: list[str] = []
    if manifest.get("apiVersion") != "kubeflow.org/v1beta1" or manifest.get("kind") != "Experiment":
        out.append("apiVersion/kind must be kubeflow.org/v1beta1 Experiment")
    name = (manifest.get("metadata") or {}).get("name") or ""
    if not NAME_RE.match(name):
        out.append(f"name {name!r} must match {NAME_RE.pattern}")
    if len(name) > MAX_NAME:
        out.append(f"name {name!r} longer than {MAX_NAME}")
    spec = manifest.get("spec") or {}
    algorithm = (spec.get("algorithm") or {}).get("algorithmName")
    if algorithm not in KNOWN_ALGORITHMS:
        out.append(f"algorithm {algorithm!r} not in Katib's default config")
    stopping = spec.get("earlyStopping")
    if stopping is not None:
        if stopping.get("algorithmName") not in EARLY_STOPPING_ALGORITHMS:
            out.append("earlyStopping algorithm unknown")
        if algorithm in ("hyperband", "enas", "darts", "pbt"):
            out.append(f"early stopping is not supported with {algorithm}")
    objective = spec.get("objective") or {}
    if objective.get("type") not in OBJECTIVE_TYPES:
        out.append("objective.type must be maximize or minimize")
    metric = objective.get("objectiveMetricName")
    if not metric:
        out.append("objective.objectiveMetricName is required")
    if metric in (objective.get("additionalMetricNames") or []):
        out.append("additionalMetricNames must not contain the objective metric")
    max_trials = spec.get("maxTrialCount")
    parallel = spec.get("parallelTrialCount")
    max_failed = spec.get("maxFailedTrialCount")
    if max_trials is not None and max_trials <= 0:
        out.append("maxTrialCount must be > 0")
    if parallel is not None and parallel <= 0:
        out.append("parallelTrialCount must be > 0")
    if max_failed is not None and max_failed < 0:
        out.append("maxFailedTrialCount must be >= 0")
    if max_trials is not None and parallel is not None and parallel > max_trials:
        out.append("parallelTrialCount must be <= maxTrialCount")
    if max_trials is not None and max_failed is not None and max_failed > max_trials:
        out.append("maxFailedTrialCount must be <= maxTrialCount")
    params = spec.get("parameters") or []
    if not params:
        out.append("parameters must not be empty")
    names = [p.get("name") for p in params]
    if len(set(names)) != len(names):
        out.append("parameter names must be unique")
    for param in params:
        out.extend(_parameter_violations(param))
        space = param.get("feasibleSpace") or {}
        if algorithm == "grid" and param.get("parameterType") == "double" and "step" not in space:
            out.append(f"parameter {param.get('name')}: grid needs a step for double parameters")
    out.extend(_template_violations(spec, set(names)))
    collector = ((spec.get("metricsCollectorSpec") or {}).get("collector") or {}).get("kind")
    if collector not in COLLECTOR_KINDS:
        out.append(f"metrics collector kind {collector!r} unknown")
    return out
