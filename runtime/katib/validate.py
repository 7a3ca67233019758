"""Turn a manifest dict into an :class:`ExperimentPlan`, collecting every problem first.

The checks mirror Katib v1beta1's validating webhook (``experiment/validator``) where the
local tuner depends on them, plus the algorithm-setting checks Katib's suggestion services
run (``pkg/suggestion/v1beta1/optuna`` and ``skopt``: unknown settings are errors there too).
"""

from __future__ import annotations

import re
from typing import Any

from ideko.runtime.katib.collector import (
    DEFAULT_FILE_PATH,
    DEFAULT_FILTER,
    DEFAULT_TFEVENT_DIR,
    FILE,
    STDOUT,
    TFEVENT,
    CollectorSpec,
    mentions_path,
)
from ideko.runtime.katib.errors import ManifestError
from ideko.runtime.katib.experiment import (
    DEFAULT_PARALLEL_TRIALS,
    DISTRIBUTIONS,
    STRATEGIES,
    SUPPORTED_ALGORITHMS,
    SUPPORTED_COLLECTORS,
    SUPPORTED_EARLY_STOPPING,
    EarlyStopping,
    ExperimentPlan,
    Objective,
    Parameter,
    TrialTemplate,
)
from kubeflow_katib_api.models import V1beta1Experiment
from pydantic import ValidationError

PLACEHOLDER = re.compile(r"\$\{trialParameters\.([^}]+)\}")
META_REFERENCE = re.compile(r"^\$\{trialSpec\.(Name|Namespace|Kind|APIVersion)\}$")

# Katib's per-algorithm settings and a check for each value (None = any string).
_INT_GE0 = ("an integer >= 0", lambda v: v.isdigit())
_POSITIVE = ("a number > 0", lambda v: _is_float(v) and float(v) > 0)
ALGORITHM_SETTINGS: dict[str, dict[str, tuple[str, Any]]] = {
    "random": {"random_state": _INT_GE0},
    "grid": {"random_state": _INT_GE0},
    "tpe": {"random_state": _INT_GE0, "n_startup_trials": _INT_GE0, "n_ei_candidates": _INT_GE0},
    "multivariate-tpe": {
        "random_state": _INT_GE0,
        "n_startup_trials": _INT_GE0,
        "n_ei_candidates": _INT_GE0,
    },
    "cmaes": {
        "random_state": _INT_GE0,
        "sigma": _POSITIVE,
        "restart_strategy": ("one of ipop, bipop, none", lambda v: v in ("ipop", "bipop", "none")),
    },
    "sobol": {
        "random_state": _INT_GE0,
        "scramble": ("true or false", lambda v: v in ("true", "false")),
    },
    "bayesianoptimization": {
        "random_state": _INT_GE0,
        "n_initial_points": _INT_GE0,
        "base_estimator": ("one of GP, RF, ET, GBRT", lambda v: v in ("GP", "RF", "ET", "GBRT")),
        "acq_func": (
            "one of gp_hedge, LCB, EI, PI",
            lambda v: v in ("gp_hedge", "LCB", "EI", "PI"),
        ),
        "acq_optimizer": (
            "one of auto, sampling, lbfgs",
            lambda v: v in ("auto", "sampling", "lbfgs"),
        ),
    },
}


def _is_float(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _is_int(value: str) -> bool:
    try:
        int(value)
    except ValueError:
        return False
    return True


def build_plan(document: dict[str, Any], source: str) -> ExperimentPlan:
    """Validate ``document`` with Katib's models and the tuner's rules; raise on any problem."""
    problems: list[str] = []
    if document.get("kind") != "Experiment":
        problems.append(f"kind must be Experiment, got {document.get('kind')!r}")
    try:
        exp = V1beta1Experiment.from_dict(document)
    except ValidationError as exc:
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"])
            problems.append(f"{where}: {err['msg']} (Katib manifests write numbers as strings)")
        raise ManifestError(source, problems) from None
    spec = exp.spec
    if spec is None:
        raise ManifestError(source, [*problems, "spec is missing"])
    metadata = document.get("metadata") or {}
    name = str(metadata.get("name") or "")
    if not name:
        problems.append("metadata.name is required")

    objective = _objective(spec.objective, problems)
    algorithm, settings = _algorithm(spec.algorithm, problems)
    parameters = _parameters(spec.parameters or [], problems)
    _algorithm_fit(algorithm, parameters, spec.max_trial_count, problems)
    counts = _counts(spec, problems)
    early = _early_stopping(spec.early_stopping, problems)
    filters, collector = _collector(spec.metrics_collector_spec, problems)
    template = _template(spec.trial_template, parameters, problems)
    _collector_path_used(collector, template, problems)
    if problems or objective is None or template is None:
        raise ManifestError(source, problems or ["incomplete manifest"])
    return ExperimentPlan(
        name=name,
        namespace=str(metadata.get("namespace") or "default"),
        objective=objective,
        algorithm=algorithm,
        algorithm_settings=settings,
        parameters=tuple(parameters),
        max_trial_count=counts[0],
        parallel_trial_count=counts[1],
        max_failed_trial_count=counts[2],
        early_stopping=early,
        metric_filters=filters,
        template=template,
        manifest=document,
        collector=collector,
    )


def _objective(obj: Any, problems: list[str]) -> Objective | None:
    if obj is None:
        problems.append("spec.objective is required")
        return None
    if obj.type not in ("maximize", "minimize"):
        problems.append(f"spec.objective.type must be maximize or minimize, got {obj.type!r}")
        return None
    if not obj.objective_metric_name:
        problems.append("spec.objective.objectiveMetricName is required")
        return None
    additional = tuple(obj.additional_metric_names or ())
    if obj.objective_metric_name in additional:
        problems.append("spec.objective.additionalMetricNames must not repeat the objective metric")
    default = "max" if obj.type == "maximize" else "min"
    strategies = {m: default for m in (obj.objective_metric_name, *additional)}
    for strategy in obj.metric_strategies or []:
        if strategy.name not in strategies:
            problems.append(f"spec.objective.metricStrategies: unknown metric {strategy.name!r}")
        elif strategy.value not in STRATEGIES:
            problems.append(
                f"spec.objective.metricStrategies[{strategy.name}]: {strategy.value!r} is not "
                f"one of {', '.join(STRATEGIES)}"
            )
        else:
            strategies[strategy.name] = strategy.value
    goal = None if obj.goal is None else float(obj.goal)
    return Objective(obj.type, obj.objective_metric_name, goal, additional, strategies)


def _algorithm(spec: Any, problems: list[str]) -> tuple[str, dict[str, str]]:
    if spec is None or not spec.algorithm_name:
        problems.append("spec.algorithm.algorithmName is required")
        return "", {}
    name = spec.algorithm_name
    if name not in SUPPORTED_ALGORITHMS:
        problems.append(
            f"spec.algorithm.algorithmName {name!r} is not supported by the local tuner; "
            f"supported: {', '.join(SUPPORTED_ALGORITHMS)}"
        )
        return name, {}
    settings: dict[str, str] = {}
    allowed = ALGORITHM_SETTINGS[name]
    for setting in spec.algorithm_settings or []:
        key, value = setting.name or "", str(setting.value or "")
        if key not in allowed:
            problems.append(
                f"spec.algorithm.algorithmSettings: unknown setting {key!r} for {name}; "
                f"known: {', '.join(sorted(allowed))}"
            )
            continue
        what, check = allowed[key]
        if not check(value):
            problems.append(f"spec.algorithm.algorithmSettings.{key} must be {what}, got {value!r}")
        settings[key] = value
    return name, settings


def _parameters(specs: list[Any], problems: list[str]) -> list[Parameter]:
    if not specs:
        problems.append("spec.parameters must list at least one parameter")
    out: list[Parameter] = []
    seen: set[str] = set()
    for i, p in enumerate(specs):
        where = f"spec.parameters[{i}]"
        if not p.name:
            problems.append(f"{where}.name is required")
            continue
        where = f"spec.parameters[{p.name}]"
        if p.name in seen:
            problems.append(f"{where}: duplicate parameter name")
        seen.add(p.name)
        space = p.feasible_space
        if space is None:
            problems.append(f"{where}.feasibleSpace is required")
            continue
        param = _parameter(p.name, p.parameter_type, space, where, problems)
        if param is not None:
            out.append(param)
    return out


def _parameter(
    name: str, ptype: Any, space: Any, where: str, problems: list[str]
) -> Parameter | None:
    if ptype in ("categorical", "discrete"):
        values = tuple(space.list or ())
        if not values:
            problems.append(f"{where}.feasibleSpace.list must not be empty for {ptype}")
            return None
        if space.min or space.max or space.step:
            problems.append(f"{where}: {ptype} takes feasibleSpace.list, not min/max/step")
        if ptype == "discrete" and not all(_is_float(v) for v in values):
            problems.append(f"{where}: discrete values must be numbers")
        return Parameter(name, ptype, values=values)
    if ptype not in ("int", "double"):
        problems.append(f"{where}.parameterType must be int, double, categorical or discrete")
        return None
    if space.list:
        problems.append(f"{where}: {ptype} takes min/max, not feasibleSpace.list")
    parse = _is_int if ptype == "int" else _is_float
    bounds: dict[str, float] = {}
    for key in ("min", "max", "step"):
        raw = getattr(space, key)
        if raw in (None, ""):
            continue
        if not parse(raw):
            problems.append(f"{where}.feasibleSpace.{key} {raw!r} is not a valid {ptype}")
            return None
        bounds[key] = float(raw)
    if "min" not in bounds or "max" not in bounds:
        problems.append(f"{where}: {ptype} needs feasibleSpace.min and max")
        return None
    if bounds["min"] > bounds["max"]:
        problems.append(f"{where}: min must not be greater than max")
    if "step" in bounds and bounds["step"] <= 0:
        problems.append(f"{where}: step must be greater than 0")
    distribution = space.distribution or "uniform"
    if distribution not in DISTRIBUTIONS:
        problems.append(
            f"{where}.feasibleSpace.distribution must be one of {', '.join(DISTRIBUTIONS)}"
        )
    elif distribution in ("logUniform", "logNormal") and bounds["min"] <= 0:
        problems.append(f"{where}: {distribution} needs min > 0")
    return Parameter(
        name, ptype, bounds["min"], bounds["max"], bounds.get("step"), distribution=distribution
    )


def _algorithm_fit(
    algorithm: str, params: list[Parameter], max_trials: int | None, problems: list[str]
) -> None:
    """Algorithm/search-space combinations Katib's suggestion services reject."""
    if algorithm == "grid":
        combos = 1
        for p in params:
            if p.type == "double" and p.step is None:
                problems.append(
                    f"spec.parameters[{p.name}]: grid needs feasibleSpace.step for doubles"
                )
                return
            if p.type == "int" and p.step is None:
                p = Parameter(p.name, p.type, p.min, p.max, 1.0)
            combos *= len(p.grid())
        if max_trials is not None and max_trials > combos:
            problems.append(
                f"spec.maxTrialCount {max_trials} > all possible grid combinations ({combos})"
            )
    if algorithm == "cmaes":
        numeric = [p for p in params if p.type in ("int", "double", "discrete")]
        if len(numeric) < 2:
            problems.append("cmaes needs at least two int/double/discrete parameters")
        if any(p.type == "categorical" for p in params):
            problems.append(
                "cmaes cannot search categorical parameters (optuna would silently "
                "sample them at random); use tpe or random"
            )


def _counts(spec: Any, problems: list[str]) -> tuple[int | None, int, int | None]:
    max_trials, parallel, max_failed = (
        spec.max_trial_count,
        spec.parallel_trial_count,
        spec.max_failed_trial_count,
    )
    if max_trials is not None and max_trials <= 0:
        problems.append("spec.maxTrialCount must be greater than 0")
    if parallel is None:
        parallel = DEFAULT_PARALLEL_TRIALS  # Katib's default, even when maxTrialCount < 3
    if parallel <= 0:
        problems.append("spec.parallelTrialCount must be greater than 0")
    if max_failed is not None and max_failed < 0:
        problems.append("spec.maxFailedTrialCount must not be negative")
    if max_trials is not None and parallel > max_trials:
        problems.append("spec.parallelTrialCount must be less than or equal to spec.maxTrialCount")
    if max_trials is not None and max_failed is not None and max_failed > max_trials:
        problems.append("spec.maxFailedTrialCount must be less than or equal to spec.maxTrialCount")
    return max_trials, parallel, max_failed


def _early_stopping(spec: Any, problems: list[str]) -> EarlyStopping | None:
    if spec is None or not spec.algorithm_name:
        return None
    if spec.algorithm_name not in SUPPORTED_EARLY_STOPPING:
        problems.append(
            f"spec.earlyStopping.algorithmName {spec.algorithm_name!r} is not supported; "
            f"supported: {', '.join(SUPPORTED_EARLY_STOPPING)}"
        )
        return None
    values = {"min_trials_required": 3, "start_step": 4}
    for setting in spec.algorithm_settings or []:
        if setting.name not in values:
            problems.append(f"spec.earlyStopping: unknown medianstop setting {setting.name!r}")
        elif not str(setting.value).isdigit() or int(setting.value) <= 0:
            problems.append(f"spec.earlyStopping.{setting.name} must be an integer > 0")
        else:
            values[setting.name] = int(setting.value)
    return EarlyStopping(spec.algorithm_name, **values)


def _collector(spec: Any, problems: list[str]) -> tuple[tuple[str, ...], CollectorSpec]:
    """Katib's webhook rules per collector kind, and the local tuner's limits."""
    where = "spec.metricsCollectorSpec"
    kind = STDOUT
    if spec is not None and spec.collector is not None and spec.collector.kind:
        kind = spec.collector.kind
    source = spec.source if spec is not None else None
    fs = source.file_system_path if source is not None else None
    has_filter = source is not None and source.filter is not None
    if kind in ("None", "Push"):
        problems.append(
            f"{where}.collector.kind {kind!r}: Katib collects no metrics from the trial "
            "(the trial would have to push them to Katib's DB manager), so the local tuner "
            "could never see an objective and every trial would end MetricsUnavailable; "
            "use StdOut, File or TensorFlowEvent"
        )
    elif kind not in SUPPORTED_COLLECTORS:
        problems.append(
            f"{where}.collector.kind {kind!r} is not supported by the local "
            f"tuner; supported: {', '.join(SUPPORTED_COLLECTORS)}"
        )
    path, fmt = "", "TEXT"
    if kind in (FILE, TFEVENT):
        wanted = "File" if kind == FILE else "Directory"
        default = DEFAULT_FILE_PATH if kind == FILE else DEFAULT_TFEVENT_DIR
        path = (fs.path if fs is not None else default) or ""
        if fs is not None and fs.kind != wanted:
            problems.append(
                f"{where}.source.fileSystemPath.kind must be {wanted} for the {kind} collector, "
                f"got {fs.kind!r}"
            )
        if not path.startswith("/"):
            problems.append(
                f"{where}.source.fileSystemPath.path must be an absolute path for the {kind} "
                f"collector (Katib mounts it into the trial pod), got {path!r}"
            )
        elif CollectorSpec(kind, path).mounted_dir == "/":
            problems.append(
                f"{where}.source.fileSystemPath.path {path!r}: the metrics must live in a "
                "directory below /, which the local tuner maps to a per-trial directory"
            )
    fs_format = (fs.format if fs is not None else None) or ""
    if kind == FILE:
        fmt = fs_format or "TEXT"
        if fmt not in ("TEXT", "JSON"):
            problems.append(
                f"{where}.source.fileSystemPath.format must be TEXT or JSON, got {fmt!r}"
            )
        if fmt == "JSON" and has_filter:
            problems.append(f"{where}.source.filter must be absent when the file format is JSON")
    elif fs_format:
        problems.append(f"{where}.source.fileSystemPath.format is only for the File collector")
    if has_filter and kind not in (STDOUT, FILE):
        problems.append(f"{where}.source.filter is only for the StdOut and File collectors")
    filters: list[str] = []
    if has_filter:
        filters = list(source.filter.metrics_format or [])
    for f in filters:
        try:
            groups = re.compile(f).groups
        except re.error as exc:
            problems.append(f"{where}.source.filter: {f!r} is not a regex: {exc}")
            continue
        if groups < 2:
            problems.append(f"{where}.source.filter: {f!r} needs 2 groups")
    return tuple(filters) or (DEFAULT_FILTER,), CollectorSpec(kind, path, fmt)


def _collector_path_used(
    collector: CollectorSpec, template: TrialTemplate | None, problems: list[str]
) -> None:
    """A File/TensorFlowEvent path must appear in the trial command or env to be rewritten."""
    if collector.kind not in (FILE, TFEVENT) or template is None:
        return
    containers = template.trial_spec.get("spec", {}).get("template", {}).get("spec", {})
    texts: list[str] = []
    for c in containers.get("containers") or []:
        if isinstance(c, dict) and c.get("name") == template.primary_container:
            texts += [str(a) for a in (c.get("command") or []) + (c.get("args") or [])]
            texts += [str(e.get("value", "")) for e in c.get("env") or [] if isinstance(e, dict)]
    if not mentions_path(texts, collector):
        problems.append(
            f"spec.metricsCollectorSpec.source.fileSystemPath.path {collector.path!r} (or its "
            f"directory {collector.mounted_dir!r}) must appear in the trial container's "
            "command, args or env: the local tuner runs trials as processes on one machine "
            "and gives each trial its own directory in place of that path"
        )


def _template(spec: Any, params: list[Parameter], problems: list[str]) -> TrialTemplate | None:
    if spec is None or spec.trial_spec is None:
        problems.append(
            "spec.trialTemplate.trialSpec is required (configMap templates are not "
            "supported by the local tuner)"
        )
        return None
    trial_spec = spec.trial_spec
    if trial_spec.get("kind") != "Job":
        problems.append(
            f"spec.trialTemplate.trialSpec.kind must be Job, got {trial_spec.get('kind')!r}"
        )
    primary = spec.primary_container_name or ""
    containers = (((trial_spec.get("spec") or {}).get("template") or {}).get("spec") or {}).get(
        "containers"
    ) or []
    if not primary:
        problems.append("spec.trialTemplate.primaryContainerName is required")
    elif primary not in [c.get("name") for c in containers if isinstance(c, dict)]:
        problems.append(f"spec.trialTemplate: no container named {primary!r} in the Job template")
    names = {p.name for p in params}
    refs: dict[str, str] = {}
    for tp in spec.trial_parameters or []:
        if not tp.name or not tp.reference:
            problems.append("spec.trialTemplate.trialParameters: name and reference are required")
            continue
        if tp.name in refs:
            problems.append(f"spec.trialTemplate.trialParameters: duplicate name {tp.name!r}")
        if tp.reference not in names and not META_REFERENCE.match(tp.reference):
            problems.append(
                f"spec.trialTemplate.trialParameters[{tp.name}]: reference {tp.reference!r} is "
                "neither a spec.parameters name nor ${trialSpec.Name|Namespace|Kind|APIVersion}"
            )
        refs[tp.name] = tp.reference
    used = set(PLACEHOLDER.findall(repr(trial_spec)))
    for missing in sorted(used - refs.keys()):
        problems.append(f"spec.trialTemplate: ${{trialParameters.{missing}}} is not declared")
    for unused in sorted(refs.keys() - used):
        problems.append(f"spec.trialTemplate: trialParameter {unused!r} is never used in trialSpec")
    return TrialTemplate(primary, refs, trial_spec)
