"""Fill every default into schema-valid spec data, so builders never guess.

Runs after the JSON Schema (so shapes and types are known good) and before the typed
objects are built. The values are the schema's own ``default`` keywords, read through
:mod:`ideko.schema.defaults`; this module holds no table of its own. What it adds are the
rules a ``default`` keyword cannot state: the activation of an architecture, a metric's
direction, ``secure`` from the endpoint's scheme, ``max_failed_trials`` shrinking to
``max_trials``, and step settings inheriting ``execution.defaults``.
"""

from __future__ import annotations

import copy
from typing import Any

from ideko.compiler.load.include import INCLUDE_KEY, deep_merge
from ideko.schema.architectures import (
    CANONICAL_ARCHITECTURES,
    default_search_space,
    model_parameter_defaults,
    training_parameter_defaults,
)
from ideko.schema.defaults import (
    DEFAULT_PROMOTION_MARGIN,
    ROOT,
    default_of,
    defaults_of,
    with_defaults,
)
from ideko.schema.metric_lines import metric_goal
from ideko.schema.names import default_name_parameters
from ideko.schema.steps import STEP_KINDS


def fill_defaults(data: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of ``data`` with every optional section and field filled in."""
    out = copy.deepcopy(data)
    out["metadata"] = with_defaults(out["metadata"], "metadata")
    out["runtime"]["artifact_store"] = artifact_store(out["runtime"].get("artifact_store", {}))
    out["data"] = _data(out["data"])
    out["models"] = {
        key: _model(key, model) for key, model in out["models"].items() if key != INCLUDE_KEY
    }
    out["execution"] = _execution(out.get("execution", {}))
    conditions = with_defaults(out.get("conditions", {}), "conditions")
    conditions.setdefault("promotion", None)  # no promotion gate
    if conditions["promotion"] is not None:
        conditions["promotion"].setdefault("margin", DEFAULT_PROMOTION_MARGIN)
    out["conditions"] = conditions
    root = defaults_of(ROOT)
    selection = out.setdefault("selection", root["selection"])
    for criterion in selection["criteria"]:
        criterion.setdefault("goal", metric_goal(criterion["metric"]))
    out["registry"] = with_defaults(out.get("registry", root["registry"]), "registry")
    registered = out["registry"].get("model_name") or out["metadata"]["name"]
    out["serving"] = _serving(out.get("serving", {}), out["metadata"]["name"], registered)
    return out


def _serving(serving: dict[str, Any], pipeline: str, registered: str) -> dict[str, Any]:
    """Unless written, the InferenceService is named after the pipeline and serves the model
    the register step registers (rules, not ``default``s: they depend on other fields)."""
    filled = with_defaults(serving, "serving")
    filled.setdefault("name", pipeline)
    filled.setdefault("model", registered)
    filled["resources"] = _resources(filled["resources"])
    return filled


def artifact_store(store: dict[str, Any]) -> dict[str, Any]:
    """The schema's defaults (Kubeflow's MinIO and its secret) unless written; ``secure``
    follows an https:// endpoint. ``region``/``service_account`` stay unset (the typed
    ``ArtifactStore`` reads an absent one as none)."""
    filled = with_defaults(store, "artifactStore")
    if "secure" not in store:
        endpoint = filled["endpoint"]
        filled["secure"] = isinstance(endpoint, str) and endpoint.lower().startswith("https://")
    return filled


def _data(data: dict[str, Any]) -> dict[str, Any]:
    data = with_defaults(data, "data")
    for section, def_name in (
        ("padding", "padding"),
        ("split", "split"),
        ("quality_gate", "qualityGate"),
        ("length", "lengthPolicy"),
    ):
        data[section] = with_defaults(data.get(section, {}), def_name)
    data["split"]["validation"] = with_defaults(data["split"].get("validation", {}), "validation")
    return data


def _model(key: str, model: dict[str, Any]) -> dict[str, Any]:
    arch = model.get("architecture") or CANONICAL_ARCHITECTURES[key]
    model["architecture"] = arch
    model.setdefault("enabled", default_of("model", "enabled"))
    model["name_parameters"] = _given_first(
        model.get("name_parameters", {}), default_name_parameters(key)
    )
    params = model_parameter_defaults(arch)
    model["model_parameters"] = _given_first(model.get("model_parameters", {}), params)
    model["training_parameters"] = _given_first(
        model.get("training_parameters", {}), training_parameter_defaults(arch)
    )
    model["resources"] = _resources(model.get("resources", {}))
    if "hpo" in model:
        model["hpo"] = _hpo(model["hpo"], model)
    return model


def _given_first(given: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """``given`` in the user's key order, then the defaults the user did not set."""
    return {**given, **{k: v for k, v in defaults.items() if k not in given}}


def _hpo(hpo: dict[str, Any], model: dict[str, Any]) -> dict[str, Any]:
    objective = hpo["objective"]
    objective.setdefault("type", metric_goal(objective["metric"]))
    objective.setdefault("goal", None)  # no early finish on a reached goal
    written = hpo.get("budget", {})
    budget = {**defaults_of("budget"), **written}
    if "max_failed_trials" not in written:  # Katib: at most maxTrialCount
        budget["max_failed_trials"] = min(budget["max_failed_trials"], budget["max_trials"])
    hpo["budget"] = budget
    if "early_stopping" in hpo:
        hpo["early_stopping"] = {**defaults_of("earlyStopping"), **hpo["early_stopping"]}
    if "weights" in hpo:
        hpo["weights"] = {**defaults_of("scoreWeights"), **hpo["weights"]}
    hpo = with_defaults(hpo, "hpo")
    hpo.setdefault("parameters", default_search_space(model["architecture"]))
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
    filled = with_defaults(execution, "execution")
    base = {
        "caching": filled["caching"],  # a step caches like the pipeline unless it says
        "retries": defaults_of("retries"),
        **defaults_of("stepSettings"),
        "timeout": None,  # no timeout
    }
    defaults = deep_merge(base, execution.get("defaults", {}))
    steps_in = execution.get("steps", {})
    steps = {}
    for kind in STEP_KINDS:
        merged = deep_merge(defaults, steps_in.get(kind, {}))
        merged["resources"] = _resources(merged["resources"])
        merged["own_resources"] = "resources" in steps_in.get(kind, {})
        steps[kind] = merged
    return {"parallelism": filled["parallelism"], "caching": filled["caching"], "steps": steps}
