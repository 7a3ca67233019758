"""Katib v1beta1's admission rules for an Experiment, as one pure function over the manifest.

The compiler runs it on every Experiment it builds (and maps each problem back to the spec's
file:line:col), ``ideko tune`` runs it when it loads a manifest, and the tests run it on
every committed manifest. It covers what a cluster would refuse:

- the validating webhook (``pkg/webhook/v1beta1/experiment/validator``), after the
  defaulting webhook has filled ``parallelTrialCount``, the Job's success/failure
  conditions and the metrics collector's source;
- what Kubernetes itself refuses when the trial Job is created (a Job's ``restartPolicy``);
- the settings validation of the suggestion and early-stopping services for the algorithms
  ideko supports (``ValidateAlgorithmSettings``: a refusal there fails the Experiment right
  after admission, e.g. a ``grid`` whose ``maxTrialCount`` exceeds its combinations).

Where ideko reads a rule more strictly than Katib's code, the rule says so (the name regex is
anchored at both ends, ``min < max``, ``cmaes`` refuses categorical parameters). Settings
follow the services ideko's local tuner implements (optuna's ``tpe``, goptuna's ``cmaes``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ideko.schema.limits import MAX_RANDOM_STATE

API_VERSION = "kubeflow.org/v1beta1"
KIND = "Experiment"
# Katib's own limit: the suggestion Service `<name>-<algorithm>` must stay a 63-char label.
MAX_NAME = 40
NAME_RE = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
DEFAULT_PARALLEL_TRIALS = 3  # Katib's DefaultTrialParallelCount, filled before validation

# Suggestion algorithms of Katib's default katib-config.
KATIB_ALGORITHMS = (
    "random", "tpe", "grid", "hyperband", "bayesianoptimization", "cmaes", "sobol",
    "multivariate-tpe", "enas", "darts", "pbt",
)
EARLY_STOPPING_ALGORITHMS = ("medianstop",)
OBJECTIVE_TYPES = ("maximize", "minimize")
METRIC_STRATEGIES = ("min", "max", "latest")
PARAMETER_TYPES = ("int", "double", "categorical", "discrete")
DISTRIBUTIONS = ("uniform", "logUniform", "normal", "logNormal")
LOG_DISTRIBUTIONS = ("logUniform", "logNormal")
RESUME_POLICIES = ("Never", "LongRunning", "FromVolume")
COLLECTOR_KINDS = ("StdOut", "File", "TensorFlowEvent", "PrometheusMetric", "Custom", "Push")
JOB_RESTART_POLICIES = ("Never", "OnFailure")
TRIAL_PARAMETER = re.compile(r"\$\{trialParameters\.(.+?)\}")
_META = re.compile(r"^\$\{trialSpec\.(.+?)\}$")
_META_KEYS = ("Name", "Namespace", "Kind", "APIVersion", "Annotations", "Labels")
_META_INDEXED = re.compile(r"^(.+)\[(.+)]$")

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One broken rule: where in the manifest, what is wrong and how to fix it."""

    path: Path
    message: str

    @property
    def where(self) -> str:
        """``spec.parameters[2].feasibleSpace.max``: dotted keys, list indexes in brackets."""
        out = ""
        for part in self.path:
            out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
        return out

    def __str__(self) -> str:
        """``where: message``, or ``spec.maxTrialCount must ...`` when the message names it."""
        parts = self.where.split(".")
        for k in range(len(parts)):
            tail = ".".join(parts[k:])
            if self.message.startswith(f"{tail} "):
                return ".".join([*parts[:k], self.message])
        return f"{self.where}: {self.message}" if self.path else self.message


# A setting's check: (what it must be, predicate over the string value).
_Check = tuple[str, Callable[[str], bool]]


def _int_at_least(low: int) -> _Check:
    def check(value: str) -> bool:
        number = _integer(value)
        return number is not None and number >= low

    return (f"an integer >= {low}", check)


def _seed() -> _Check:
    """A suggestion service's ``random_state`` seeds numpy's RandomState: 0 .. 2**32 - 1."""
    def check(value: str) -> bool:
        number = _integer(value)
        return number is not None and 0 <= number <= MAX_RANDOM_STATE

    return (f"an integer from 0 to {MAX_RANDOM_STATE} (a numpy seed)", check)


def _one_of(*values: str) -> _Check:
    return (f"one of {', '.join(values)}", lambda v: v in values)


_POSITIVE: _Check = ("a number > 0", lambda v: (_number(v) or 0) > 0)
# The settings each suggestion service accepts; any other name is refused by it.
ALGORITHM_SETTINGS: dict[str, dict[str, _Check]] = {
    "random": {"random_state": _seed()},
    "grid": {"random_state": _seed()},
    "tpe": {
        "random_state": _seed(),
        "n_startup_trials": _int_at_least(0),
        "n_ei_candidates": _int_at_least(0),
    },
    "multivariate-tpe": {
        "random_state": _seed(),
        "n_startup_trials": _int_at_least(0),
        "n_ei_candidates": _int_at_least(0),
    },
    "cmaes": {
        "random_state": _seed(),
        "sigma": _POSITIVE,
        "restart_strategy": _one_of("ipop", "bipop", "none"),
    },
    "sobol": {"random_state": _seed(), "scramble": _one_of("true", "false")},
    "bayesianoptimization": {
        "random_state": _seed(),
        "n_initial_points": _int_at_least(0),
        "base_estimator": _one_of("GP", "RF", "ET", "GBRT"),
        "acq_func": _one_of("gp_hedge", "LCB", "EI", "PI"),
        "acq_optimizer": _one_of("auto", "sampling", "lbfgs"),
    },
}
MEDIANSTOP_SETTINGS: dict[str, _Check] = {
    "min_trials_required": ("an integer > 0", lambda v: (_integer(v) or 0) > 0),
    "start_step": ("an integer > 0", lambda v: (_integer(v) or 0) >= 1),
}


def _integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(str(value))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _mapping(node: Any) -> dict[str, Any]:
    return node if isinstance(node, dict) else {}


def _items(node: Any) -> list[Any]:
    return node if isinstance(node, list) else []


def admission_problems(experiment: dict[str, Any]) -> list[Problem]:
    """Every rule ``experiment`` breaks, in manifest order; empty when Katib would run it."""
    if not isinstance(experiment, dict):
        return [Problem((), "a Katib Experiment manifest must be a mapping")]
    spec = _mapping(experiment.get("spec"))
    return [
        *_kind_problems(experiment),
        *_name_problems(experiment),
        *_budget_problems(spec),
        *_resume_problems(spec),
        *_objective_problems(spec),
        *_algorithm_problems(spec),
        *_early_stopping_problems(spec),
        *_parameter_problems(spec),
        *_search_fit_problems(spec),
        *_template_problems(spec),
        *_collector_problems(spec),
    ]


def _kind_problems(experiment: dict[str, Any]) -> Iterator[Problem]:
    if experiment.get("apiVersion") != API_VERSION:
        yield Problem(("apiVersion",), f"must be {API_VERSION}, got "
                      f"{experiment.get('apiVersion')!r}")
    if experiment.get("kind") != KIND:
        yield Problem(("kind",), f"kind must be {KIND}, got {experiment.get('kind')!r}")


def _name_problems(experiment: dict[str, Any]) -> Iterator[Problem]:
    name = _mapping(experiment.get("metadata")).get("name")
    path = ("metadata", "name")
    if not isinstance(name, str) or not name:
        yield Problem(path, "metadata.name is required")
    elif not NAME_RE.match(name) or len(name) > MAX_NAME:
        yield Problem(path, f"name {name!r} must be lower-case letters, digits and '-', start "
                      f"with a letter, end with a letter or digit, and have at most {MAX_NAME} "
                      "characters (Katib names its suggestion Service after it)")


def _count(spec: dict[str, Any], key: str) -> tuple[int | None, list[Problem]]:
    value = spec.get(key)
    if value is None:
        return None, []
    if isinstance(value, bool) or not isinstance(value, int):
        return None, [Problem(("spec", key), f"{key} must be an integer, got {value!r}")]
    return value, []


def _budget_problems(spec: dict[str, Any]) -> Iterator[Problem]:
    max_trials, bad_max = _count(spec, "maxTrialCount")
    parallel, bad_parallel = _count(spec, "parallelTrialCount")
    max_failed, bad_failed = _count(spec, "maxFailedTrialCount")
    yield from (*bad_max, *bad_parallel, *bad_failed)
    if "parallelTrialCount" not in spec:
        parallel = DEFAULT_PARALLEL_TRIALS
    if max_trials is not None and max_trials <= 0:
        yield Problem(("spec", "maxTrialCount"), f"maxTrialCount must be greater than 0, "
                      f"got {max_trials}")
    if parallel is not None and parallel <= 0:
        yield Problem(("spec", "parallelTrialCount"), f"parallelTrialCount must be greater "
                      f"than 0, got {parallel}")
    if max_failed is not None and max_failed < 0:
        yield Problem(("spec", "maxFailedTrialCount"), f"maxFailedTrialCount must not be "
                      f"negative, got {max_failed}")
    if max_trials is None or max_trials <= 0:
        return
    if parallel is not None and parallel > max_trials:
        default = "" if "parallelTrialCount" in spec else ", Katib's default"
        yield Problem(("spec", "parallelTrialCount"), f"parallelTrialCount ({parallel}"
                      f"{default}) must not exceed maxTrialCount ({max_trials})")
    if max_failed is not None and max_failed > max_trials:
        yield Problem(("spec", "maxFailedTrialCount"), f"maxFailedTrialCount ({max_failed}) "
                      f"must not exceed maxTrialCount ({max_trials}); Katib rejects such an "
                      "Experiment")


def _resume_problems(spec: dict[str, Any]) -> Iterator[Problem]:
    policy = spec.get("resumePolicy")
    if policy not in (None, "", *RESUME_POLICIES):
        yield Problem(("spec", "resumePolicy"), f"resumePolicy {policy!r} is not one of "
                      f"{', '.join(RESUME_POLICIES)}")


def _objective_problems(spec: dict[str, Any]) -> Iterator[Problem]:
    objective = spec.get("objective")
    path: Path = ("spec", "objective")
    if not isinstance(objective, dict):
        yield Problem(path, "spec.objective is required")
        return
    if objective.get("type") not in OBJECTIVE_TYPES:
        yield Problem((*path, "type"), f"objective type must be maximize or minimize, got "
                      f"{objective.get('type')!r}")
    metric = objective.get("objectiveMetricName")
    if not metric:
        yield Problem((*path, "objectiveMetricName"), "objectiveMetricName is required")
    if metric and metric in _items(objective.get("additionalMetricNames")):
        yield Problem((*path, "additionalMetricNames"), f"'{metric}' is already the "
                      "objective metric; Katib rejects it as an additional metric")
    for i, strategy in enumerate(_items(objective.get("metricStrategies"))):
        value = _mapping(strategy).get("value")
        if value not in METRIC_STRATEGIES:
            yield Problem((*path, "metricStrategies", i, "value"), f"metric strategy "
                          f"{value!r} is not one of {', '.join(METRIC_STRATEGIES)}")


def _setting_problems(
    path: Path, owner: str, settings: Any, allowed: dict[str, _Check]
) -> Iterator[Problem]:
    for i, setting in enumerate(_items(settings)):
        name, value = _mapping(setting).get("name"), _mapping(setting).get("value")
        if name not in allowed:
            yield Problem((*path, i, "name"), f"unknown setting {name!r} for {owner}; known: "
                          f"{', '.join(sorted(allowed))}")
            continue
        what, check = allowed[name]
        if not isinstance(value, str) or not check(value):
            yield Problem((*path, i, "value"), f"{owner} setting {name} must be {what}, "
                          f"got {value!r}")


def _algorithm_problems(spec: dict[str, Any]) -> Iterator[Problem]:
    algorithm = spec.get("algorithm")
    path: Path = ("spec", "algorithm")
    if not isinstance(algorithm, dict) or not algorithm.get("algorithmName"):
        yield Problem((*path, "algorithmName"), "spec.algorithm.algorithmName is required")
        return
    name = algorithm["algorithmName"]
    if name not in KATIB_ALGORITHMS:
        yield Problem((*path, "algorithmName"), f"algorithm {name!r} is not in Katib's "
                      f"default config; use one of {', '.join(KATIB_ALGORITHMS)}")
    elif name in ALGORITHM_SETTINGS:
        yield from _setting_problems((*path, "algorithmSettings"), name,
                                     algorithm.get("algorithmSettings"),
                                     ALGORITHM_SETTINGS[name])


def _early_stopping_problems(spec: dict[str, Any]) -> Iterator[Problem]:
    stopping = spec.get("earlyStopping")
    if stopping is None:
        return
    path: Path = ("spec", "earlyStopping")
    name = _mapping(stopping).get("algorithmName")
    if not name:
        yield Problem((*path, "algorithmName"), "earlyStopping.algorithmName is required")
    elif name not in EARLY_STOPPING_ALGORITHMS:
        yield Problem((*path, "algorithmName"), f"early-stopping algorithm {name!r} is not "
                      f"in Katib's default config; supported: "
                      f"{', '.join(EARLY_STOPPING_ALGORITHMS)}")
    else:
        yield from _setting_problems((*path, "algorithmSettings"), name,
                                     _mapping(stopping).get("algorithmSettings"),
                                     MEDIANSTOP_SETTINGS)


def _parameter_problems(spec: dict[str, Any]) -> Iterator[Problem]:
    params = _items(spec.get("parameters"))
    if not params:
        yield Problem(("spec", "parameters"), "spec.parameters must list at least one "
                      "parameter")
    seen: set[Any] = set()
    for i, param in enumerate(params):
        path: Path = ("spec", "parameters", i)
        name = _mapping(param).get("name")
        if not name:
            yield Problem((*path, "name"), "every parameter needs a name")
        elif name in seen:
            yield Problem((*path, "name"), f"parameter name {name!r} is used twice")
        seen.add(name)
        yield from _space_problems(path, _mapping(param))


def _space_problems(path: Path, param: dict[str, Any]) -> Iterator[Problem]:
    kind = param.get("parameterType")
    space = param.get("feasibleSpace")
    if kind not in PARAMETER_TYPES:
        yield Problem((*path, "parameterType"), f"parameterType {kind!r} is not one of "
                      f"{', '.join(PARAMETER_TYPES)}")
        return
    if not isinstance(space, dict) or not space:
        yield Problem((*path, "feasibleSpace"), "feasibleSpace must be specified")
        return
    where: Path = (*path, "feasibleSpace")
    distribution = space.get("distribution")
    if distribution not in (None, "", *DISTRIBUTIONS):
        yield Problem((*where, "distribution"), f"distribution {distribution!r} is not one "
                      f"of {', '.join(DISTRIBUTIONS)}")
    for key in ("min", "max", "step"):
        if key in space and space[key] is not None and not isinstance(space[key], str):
            yield Problem((*where, key), f"{key} must be a string, as Katib writes numbers "
                          f"(got {space[key]!r})")
    if kind in ("int", "double"):
        yield from _range_problems(where, kind, space)
    else:
        yield from _list_problems(where, kind, space)


def _range_problems(where: Path, kind: str, space: dict[str, Any]) -> Iterator[Problem]:
    if space.get("list"):
        yield Problem((*where, "list"), f"{kind} takes min/max, not feasibleSpace.list")
    if space.get("min") in (None, "") or space.get("max") in (None, ""):
        yield Problem((*where, "max"), f"{kind} needs feasibleSpace.min and max")
        return
    parse = _integer if kind == "int" else _number
    bounds: dict[str, float] = {}
    for key in ("min", "max", "step"):
        raw = space.get(key)
        if raw in (None, ""):
            continue
        value = parse(raw)
        if value is None:
            yield Problem((*where, key), f"{str(raw)!r} is not a valid {kind}")
            return
        bounds[key] = float(value)
    if bounds["min"] >= bounds["max"]:
        yield Problem((*where, "min"), f"min ({space['min']}) must be less than max "
                      f"({space['max']})")
    if "step" in bounds and bounds["step"] <= 0:
        yield Problem((*where, "step"), f"step must be greater than 0, got {space['step']}")
    if space.get("distribution") in LOG_DISTRIBUTIONS and bounds["min"] <= 0:
        yield Problem((*where, "min"), f"a {space['distribution']} distribution needs min > 0, "
                      f"got {space['min']}")


def _list_problems(where: Path, kind: str, space: dict[str, Any]) -> Iterator[Problem]:
    if any(space.get(k) not in (None, "") for k in ("min", "max", "step")):
        yield Problem(where, f"{kind} takes feasibleSpace.list, not min/max/step")
    values = space.get("list")
    if not isinstance(values, list) or not values:
        yield Problem((*where, "list"), f"feasibleSpace.list must not be empty for {kind}")
        return
    for j, value in enumerate(values):
        if not isinstance(value, str):
            yield Problem((*where, "list", j), f"list values must be strings, got {value!r}")
        elif kind == "discrete" and _number(value) is None:
            yield Problem((*where, "list", j), f"discrete values must be numbers, got "
                          f"{value!r}; use categorical for other values")


def grid_size(parameters: list[Any]) -> int | None:
    """How many points Katib's grid enumerates; ``None`` when a space cannot be counted."""
    size = 1
    for param in parameters:
        param = _mapping(param)
        kind, space = param.get("parameterType"), _mapping(param.get("feasibleSpace"))
        if kind in ("categorical", "discrete"):
            size *= len(_items(space.get("list")))
            continue
        low, high = _number(space.get("min")), _number(space.get("max"))
        step = _number(space.get("step")) if space.get("step") not in (None, "") else None
        if low is None or high is None or (step is None and kind == "double"):
            return None
        step = 1.0 if step is None else step
        if step <= 0 or low > high:
            return None
        # Katib: range(min, max + 1, step) for int; numpy.arange(min, max + step, step)
        # without a last point beyond max for double.
        size *= math.floor((high - low) / step + 1e-9) + 1
    return size


def _search_fit_problems(spec: dict[str, Any]) -> Iterator[Problem]:
    """Search spaces the chosen suggestion service refuses (``ValidateAlgorithmSettings``)."""
    algorithm = _mapping(spec.get("algorithm")).get("algorithmName")
    params = _items(spec.get("parameters"))
    kinds = [_mapping(p).get("parameterType") for p in params]
    if algorithm == "grid":
        missing = False
        for i, param in enumerate(params):
            space = _mapping(_mapping(param).get("feasibleSpace"))
            if kinds[i] == "double" and space.get("step") in (None, ""):
                missing = True
                yield Problem(("spec", "parameters", i, "feasibleSpace", "step"),
                              "the grid algorithm needs a step for every double parameter "
                              "(Katib rule); add step:")
        size = None if missing else grid_size(params)
        max_trials = spec.get("maxTrialCount")
        if size is not None and isinstance(max_trials, int) and max_trials > size:
            yield Problem(("spec", "maxTrialCount"), f"maxTrialCount ({max_trials}) exceeds "
                          f"the {size} combinations of the grid; Katib's grid suggestion "
                          f"fails such an Experiment. Lower maxTrialCount to at most {size} "
                          "or add grid points")
    if algorithm == "cmaes":
        if sum(k in ("int", "double") for k in kinds) < 2:
            yield Problem(("spec", "algorithm", "algorithmName"), "cmaes needs at least two "
                          "int or double parameters (Katib's CMA-ES searches a continuous "
                          "space of two or more dimensions); use tpe or random")
        for i, kind in enumerate(kinds):
            if kind == "categorical":  # ideko's stricter reading: Katib admits it
                yield Problem(("spec", "parameters", i, "parameterType"), "cmaes cannot "
                              "search categorical parameters (they would be sampled at "
                              "random); use tpe or random")


def _template_problems(spec: dict[str, Any]) -> Iterator[Problem]:
    template = spec.get("trialTemplate")
    path: Path = ("spec", "trialTemplate")
    if not isinstance(template, dict):
        yield Problem(path, "spec.trialTemplate is required")
        return
    trial_spec = template.get("trialSpec")
    has_config_map = template.get("configMap") is not None
    if not template.get("primaryContainerName"):
        yield Problem((*path, "primaryContainerName"), "primaryContainerName is required")
    job = isinstance(trial_spec, dict) and trial_spec.get("kind") == "Job"
    if not job and not (template.get("successCondition") and template.get("failureCondition")):
        yield Problem(path, "successCondition and failureCondition must be specified (Katib "
                      "fills them only for a Job)")
    if template.get("trialParameters") is None:
        yield Problem((*path, "trialParameters"), "trialParameters is required")
        return
    if isinstance(trial_spec, dict) == has_config_map:
        yield Problem(path, "give exactly one of trialTemplate.trialSpec and "
                      "trialTemplate.configMap")
        return
    if has_config_map:
        config_map = _mapping(template.get("configMap"))
        if not all(config_map.get(k) for k in
                   ("configMapName", "configMapNamespace", "templatePath")):
            yield Problem((*path, "configMap"), "configMapName, configMapNamespace and "
                          "templatePath must be specified")
        return
    assert isinstance(trial_spec, dict)
    yield from _trial_parameter_problems(spec, template, trial_spec)
    yield from _trial_spec_problems(template, trial_spec)


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield str(key)
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def _is_meta_reference(reference: str) -> bool:
    match = _META.match(reference)
    if match is None:
        return False
    key = match.group(1)
    indexed = _META_INDEXED.match(key)
    return key in _META_KEYS or (indexed is not None and indexed.group(1) in _META_KEYS)


def _trial_parameter_problems(
    spec: dict[str, Any], template: dict[str, Any], trial_spec: dict[str, Any]
) -> Iterator[Problem]:
    path: Path = ("spec", "trialTemplate", "trialParameters")
    experiment_names = {_mapping(p).get("name") for p in _items(spec.get("parameters"))}
    used = {m for text in _strings(trial_spec) for m in TRIAL_PARAMETER.findall(text)}
    names: set[str] = set()
    references: set[str] = set()
    for i, entry in enumerate(_items(template.get("trialParameters"))):
        name, reference = _mapping(entry).get("name"), _mapping(entry).get("reference")
        if not name or not reference or "{" in str(name) or "}" in str(name):
            yield Problem((*path, i), "every trialParameter needs a name (without '{' or "
                          "'}') and a reference")
            continue
        if name in names:
            yield Problem((*path, i, "name"), f"trialParameter name {name!r} is used twice")
            continue
        if reference in references:
            yield Problem((*path, i, "reference"), f"trialParameter reference {reference!r} "
                          "is used twice")
            continue
        names.add(name)
        references.add(reference)
        if (experiment_names - {None} and reference not in experiment_names
                and not _is_meta_reference(reference)):
            yield Problem((*path, i, "reference"), f"reference {reference!r} is neither a "
                          "spec.parameters name nor ${trialSpec.Name|Namespace|Kind|"
                          "APIVersion|Labels[..]|Annotations[..]}")
        if name not in used:
            yield Problem((*path, i, "name"), f"trialParameter {name!r} is never used in "
                          "trialSpec; use it as ${trialParameters." + name + "} or remove it")
    for missing in sorted(used - names):
        yield Problem(("spec", "trialTemplate", "trialSpec"), f"${{trialParameters.{missing}}}"
                      " is not declared in trialTemplate.trialParameters")


def _trial_spec_problems(template: dict[str, Any], trial_spec: dict[str, Any]) -> Iterator[Problem]:
    path: Path = ("spec", "trialTemplate", "trialSpec")
    metadata = _mapping(trial_spec.get("metadata"))
    if metadata.get("name") or metadata.get("namespace"):
        yield Problem((*path, "metadata"), "metadata.name and metadata.namespace of the trial "
                      "spec must be omitted (Katib names each trial)")
    if not trial_spec.get("apiVersion") or not trial_spec.get("kind"):
        yield Problem(path, "the trial spec needs apiVersion and kind")
    if trial_spec.get("apiVersion") != "batch/v1" or trial_spec.get("kind") != "Job":
        return
    pod = _mapping(_mapping(_mapping(trial_spec.get("spec")).get("template")).get("spec"))
    pod_path: Path = (*path, "spec", "template", "spec")
    if pod.get("restartPolicy") not in JOB_RESTART_POLICIES:
        yield Problem((*pod_path, "restartPolicy"), f"a Job's pod restartPolicy must be Never "
                      f"or OnFailure, got {pod.get('restartPolicy')!r}")
    primary = template.get("primaryContainerName")
    containers = [_mapping(c).get("name") for c in _items(pod.get("containers"))]
    if primary and primary not in containers:
        yield Problem(("spec", "trialTemplate", "primaryContainerName"), f"no container "
                      f"named {primary!r} in the Job template (it has "
                      f"{', '.join(map(str, containers)) or 'none'})")


def _collector_problems(spec: dict[str, Any]) -> Iterator[Problem]:
    collector_spec = _mapping(spec.get("metricsCollectorSpec"))
    kind = _mapping(collector_spec.get("collector")).get("kind") or "StdOut"
    path: Path = ("spec", "metricsCollectorSpec")
    source = _mapping(collector_spec.get("source"))
    fs = _mapping(source.get("fileSystemPath"))
    fs_path: Path = (*path, "source", "fileSystemPath")
    if kind not in COLLECTOR_KINDS:
        yield Problem((*path, "collector", "kind"), f"{kind!r} is not a Katib metrics "
                      f"collector kind; use one of {', '.join(COLLECTOR_KINDS)}")
    elif kind in ("File", "TensorFlowEvent"):
        wanted = "File" if kind == "File" else "Directory"
        if (fs.get("kind") or wanted) != wanted:  # Katib's defaults fill an absent kind/path
            yield Problem((*fs_path, "kind"), f"fileSystemPath.kind must be {wanted} for the "
                          f"{kind} collector, got {fs.get('kind')!r}")
        where = fs.get("path")
        if where and not str(where).startswith("/"):
            yield Problem((*fs_path, "path"), f"fileSystemPath.path must be an absolute path "
                          f"for the {kind} collector (Katib mounts it into the trial pod), "
                          f"got {where!r}")
        fmt = fs.get("format") or ""
        if kind == "File" and (fmt or "TEXT") not in ("TEXT", "JSON"):
            yield Problem((*fs_path, "format"), f"fileSystemPath.format must be TEXT or JSON, "
                          f"got {fmt!r}")
        if kind == "File" and fmt == "JSON" and source.get("filter") is not None:
            yield Problem((*path, "source", "filter"), "filter must be absent when the file "
                          "format is JSON")
        if kind == "TensorFlowEvent" and fmt:
            yield Problem((*fs_path, "format"), "fileSystemPath.format is only for the File "
                          "collector; leave it empty for TensorFlowEvent")
    elif kind == "PrometheusMetric":
        http = _mapping(source.get("httpGet"))
        port = _integer(http.get("port", 8080))
        if port is None or port <= 0:
            yield Problem((*path, "source", "httpGet", "port"), "httpGet.port must be a "
                          f"positive integer, got {http.get('port')!r}")
        if not str(http.get("path") or "/metrics").startswith("/"):
            yield Problem((*path, "source", "httpGet", "path"), "httpGet.path must start "
                          f"with '/', got {http.get('path')!r}")
    elif kind == "Custom":
        if _mapping(collector_spec.get("collector")).get("customCollector") is None:
            yield Problem((*path, "collector", "customCollector"), "the Custom collector "
                          "needs collector.customCollector (the container to run)")
        if fs and (not str(fs.get("path") or "").startswith("/")
                   or fs.get("kind") not in ("File", "Directory")):
            yield Problem(fs_path, "fileSystemPath needs an absolute path and kind File or "
                          "Directory")
    yield from _filter_problems((*path, "source", "filter", "metricsFormat"), source)


def _filter_problems(path: Path, source: dict[str, Any]) -> Iterator[Problem]:
    for i, pattern in enumerate(_items(_mapping(source.get("filter")).get("metricsFormat"))):
        try:
            groups = re.compile(str(pattern)).groups
        except re.error as exc:
            yield Problem((*path, i), f"filter {pattern!r} is not a regex: {exc}")
            continue
        if groups < 2:
            yield Problem((*path, i), f"filter {pattern!r} needs 2 groups (the metric name, "
                          "then its value)")
