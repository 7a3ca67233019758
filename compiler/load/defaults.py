"""Fill every default into schema-valid spec data, so builders never guess.

Runs after the JSON Schema (so shapes and types are known good) and before the typed
objects are built. Defaults live here, in one place, and are documented in the schema.
Model names come from ``naming``, metric directions from ``metric_direction``.
"""

from __future__ import annotations

import copy
from dataclasses import asdict
from typing import Any

from ideko.compiler.load.include import INCLUDE_KEY, deep_merge
from ideko.compiler.load.metric_direction import metric_goal
from ideko.compiler.load.naming import k8s_name
from ideko.compiler.load.spec_model import CANONICAL_ARCHITECTURES, ArtifactStore

STEP_KINDS = ("preprocess", "tune", "train", "evaluate", "compare", "register")

DEFAULT_PARALLELISM = 2
DEFAULT_REGISTRY_URI = "registry"
DEFAULT_ACTIVATION = {"dense": "relu", "cnn": "relu", "rnn": "tanh", "lstm": "tanh", "gru": "tanh"}
MODEL_PARAMETER_DEFAULTS: dict[str, Any] = {"masking": "original", "dropout": 0.0}
TRAINING_PARAMETER_DEFAULTS: dict[str, Any] = {
    "optimizer": "adam",
    "learning_rate": None,
    "patience": 10,
    "min_delta": 0.0001,
    "validation_split": 0.2,
}
BUDGET_DEFAULTS = {"max_trials": 12, "parallel_trials": 2, "max_failed_trials": 3}
EARLY_STOPPING_DEFAULTS = {"algorithm": "medianstop", "min_trials_required": 3, "start_step": 4}
RETRIES_DEFAULTS: dict[str, Any] = {"count": 0, "backoff": "0s", "factor": 2.0, "max_backoff": "1h"}


def fill_defaults(data: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of ``data`` with every optional section and field filled in."""
    out = copy.deepcopy(data)
    meta = out["metadata"]
    meta.setdefault("description", "")
    meta.setdefault("version", "0.1.0")
    out["runtime"]["artifact_store"] = artifact_store(out["runtime"].get("artifact_store", {}))
    out["data"] = _data(out["data"])
    out["models"] = {
        key: _model(key, model) for key, model in out["models"].items() if key != INCLUDE_KEY
    }
    out["execution"] = _execution(out.get("execution", {}))
    conditions = out.setdefault("conditions", {})
    conditions.setdefault("quality_gate", True)
    conditions.setdefault("promotion", None)
    selection = out.setdefault("selection", {"criteria": [{"metric": "accuracy", "weight": 1.0}]})
    for criterion in selection["criteria"]:
        criterion.setdefault("goal", metric_goal(criterion["metric"]))
    out.setdefault("registry", {"uri": DEFAULT_REGISTRY_URI})
    return out


def artifact_store(store: dict[str, Any]) -> dict[str, Any]:
    """Kubeflow's MinIO and its secret unless written; ``secure`` follows an https:// endpoint."""
    filled = {**asdict(ArtifactStore()), **store}
    if "secure" not in store:
        endpoint = filled["endpoint"]
        filled["secure"] = isinstance(endpoint, str) and endpoint.lower().startswith("https://")
    return filled


def _data(data: dict[str, Any]) -> dict[str, Any]:
    data["padding"] = {"value": 0.0, "side": "post", **data.get("padding", {})}
    data.setdefault("scaling", "none")
    split = {"strategy": "random", "test_size": 0.2, "test_days": [], "seed": 2}
    data["split"] = {**split, **data.get("split", {})}
    gate = {"min_series": 1, "min_per_class": 1, "max_nan_fraction": 0.0, "required_indicators": []}
    data["quality_gate"] = {**gate, **data.get("quality_gate", {})}
    return data


def _model(key: str, model: dict[str, Any]) -> dict[str, Any]:
    name = k8s_name(key)
    arch = model.get("architecture") or CANONICAL_ARCHITECTURES[key]
    model["architecture"] = arch
    model.setdefault("enabled", True)
    names = {"folder_name": key.lower(), "model_name": f"model_{name}.keras"}
    model["name_parameters"] = _with_defaults(model.get("name_parameters", {}), names)
    params = {"activation_function": DEFAULT_ACTIVATION[arch], **MODEL_PARAMETER_DEFAULTS}
    model["model_parameters"] = _with_defaults(model.get("model_parameters", {}), params)
    model["training_parameters"] = _with_defaults(
        model.get("training_parameters", {}), TRAINING_PARAMETER_DEFAULTS
    )
    model["resources"] = _resources(model.get("resources", {}))
    if "hpo" in model:
        model["hpo"] = _hpo(model["hpo"], model)
    return model


def _with_defaults(given: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """``given`` in the user's key order, then the defaults the user did not set."""
    return {**given, **{k: v for k, v in defaults.items() if k not in given}}


def _hpo(hpo: dict[str, Any], model: dict[str, Any]) -> dict[str, Any]:
    objective = hpo["objective"]
    objective.setdefault("type", metric_goal(objective["metric"]))
    objective.setdefault("goal", None)
    budget = {**BUDGET_DEFAULTS, **hpo.get("budget", {})}
    if "max_failed_trials" not in hpo.get("budget", {}):  # Katib: at most maxTrialCount
        budget["max_failed_trials"] = min(budget["max_failed_trials"], budget["max_trials"])
    hpo["budget"] = budget
    if "early_stopping" in hpo:
        hpo["early_stopping"] = {**EARLY_STOPPING_DEFAULTS, **hpo["early_stopping"]}
    if "weights" in hpo:
        hpo["weights"] = {"time_reference_seconds": 60.0, **hpo["weights"]}
    hpo.setdefault("additional_metrics", [])
    hpo.setdefault("algorithm_settings", {})
    for name, param in hpo["parameters"].items():
        param.setdefault("target", default_target(name, model))
    return hpo


def default_target(name: str, model: dict[str, Any]) -> str:
    """The first of model_parameters.<name> / training_parameters.<name> that exists, else ""."""
    for section in ("model_parameters", "training_parameters"):
        if name in model.get(section, {}):
            return f"{section}.{name}"
    return ""


def _resources(resources: dict[str, Any]) -> dict[str, Any]:
    """Quantities as Kubernetes strings (YAML may have read ``cpu_request: 1`` as a number)."""
    return {k: _quantity(v) for k, v in resources.items()}


def _quantity(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _execution(execution: dict[str, Any]) -> dict[str, Any]:
    caching = execution.get("caching", True)
    base = {
        "caching": caching,
        "retries": dict(RETRIES_DEFAULTS),
        "resources": {},
        "timeout": None,
    }
    defaults = deep_merge(base, execution.get("defaults", {}))
    steps_in = execution.get("steps", {})
    steps = {}
    for kind in STEP_KINDS:
        merged = deep_merge(defaults, steps_in.get(kind, {}))
        merged["resources"] = _resources(merged["resources"])
        merged["own_resources"] = "resources" in steps_in.get(kind, {})
        steps[kind] = merged
    return {
        "parallelism": execution.get("parallelism", DEFAULT_PARALLELISM),
        "caching": caching,
        "steps": steps,
    }
