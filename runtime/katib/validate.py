"""Turn a manifest dict into an :class:`ExperimentPlan`, collecting every problem first.

Katib's own admission rules (the validating webhook and the suggestion services' settings
checks) are ``ideko.schema.katib_rules``, the code the compiler runs on every Experiment it
builds; this module adds only what the local tuner cannot honour (algorithms it does not
implement, collectors that report nothing it can read, configMap templates, trial kinds
other than Job) and then builds the plan.
"""

from __future__ import annotations

from typing import Any

from ideko.runtime.katib.collector import (
    DEFAULT_FILE_PATH,
    DEFAULT_TFEVENT_DIR,
    FILE,
    STDOUT,
    TFEVENT,
    CollectorSpec,
    mentions_path,
)
from ideko.runtime.katib.errors import ManifestError
from ideko.runtime.katib.experiment import (
    SUPPORTED_ALGORITHMS,
    SUPPORTED_COLLECTORS,
    EarlyStopping,
    ExperimentPlan,
    Objective,
    Parameter,
    TrialTemplate,
)
from ideko.schema.katib_rules import (
    DEFAULT_PARALLEL_TRIALS,
    METRIC_STRATEGIES,
    TRIAL_PARAMETER,
    admission_problems,
)
from ideko.schema.metric_lines import KATIB_DEFAULT_FILTER
from kubeflow_katib_api.models import V1beta1Experiment
from pydantic import ValidationError

PLACEHOLDER = TRIAL_PARAMETER  # ${trialParameters.<name>}, as Katib substitutes it
_COLLECTOR_KIND = "spec.metricsCollectorSpec.collector.kind"


def build_plan(document: dict[str, Any], source: str) -> ExperimentPlan:
    """Validate ``document`` with Katib's rules and the tuner's own; raise on any problem."""
    admission = admission_problems(document)
    problems = [str(p) for p in admission]
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
    kind_refused = any(p.where == _COLLECTOR_KIND for p in admission)

    objective = _objective(spec.objective, problems)
    algorithm, settings = _algorithm(spec.algorithm, problems)
    parameters = _parameters(spec.parameters or [])
    counts = _counts(spec)
    early = _early_stopping(spec.early_stopping)
    filters, collector = _collector(spec.metrics_collector_spec, kind_refused, problems)
    template = _template(spec.trial_template, problems)
    _collector_path_used(collector, template, problems)
    if problems or objective is None or template is None:
        raise ManifestError(source, problems or ["incomplete manifest"])
    return ExperimentPlan(
        name=str(metadata.get("name") or ""),
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
    if obj is None or obj.type not in ("maximize", "minimize") or not obj.objective_metric_name:
        return None  # admission_problems says why
    additional = tuple(obj.additional_metric_names or ())
    default = "max" if obj.type == "maximize" else "min"
    strategies = {m: default for m in (obj.objective_metric_name, *additional)}
    for strategy in obj.metric_strategies or []:
        if strategy.name not in strategies:
            problems.append(f"spec.objective.metricStrategies: unknown metric {strategy.name!r}")
        elif strategy.value in METRIC_STRATEGIES:
            strategies[strategy.name] = strategy.value
    goal = None if obj.goal is None else float(obj.goal)
    return Objective(obj.type, obj.objective_metric_name, goal, additional, strategies)


def _algorithm(spec: Any, problems: list[str]) -> tuple[str, dict[str, str]]:
    if spec is None or not spec.algorithm_name:
        return "", {}
    name = spec.algorithm_name
    if name not in SUPPORTED_ALGORITHMS:
        problems.append(
            f"spec.algorithm.algorithmName {name!r} is not supported by the local tuner; "
            f"supported: {', '.join(SUPPORTED_ALGORITHMS)}"
        )
        return name, {}
    settings = {s.name or "": str(s.value or "") for s in spec.algorithm_settings or []}
    return name, settings


def _parameters(specs: list[Any]) -> list[Parameter]:
    """The search space; a parameter admission_problems refused is left out."""
    out: list[Parameter] = []
    for p in specs:
        space = p.feasible_space
        if not p.name or space is None:
            continue
        if p.parameter_type in ("categorical", "discrete"):
            out.append(Parameter(p.name, p.parameter_type, values=tuple(space.list or ())))
            continue
        bounds: dict[str, float] = {}
        for key in ("min", "max", "step"):
            raw = getattr(space, key)
            try:
                bounds[key] = float(int(raw) if p.parameter_type == "int" else float(raw))
            except (TypeError, ValueError):
                continue
        if "min" in bounds and "max" in bounds:
            distribution = space.distribution or "uniform"
            out.append(Parameter(p.name, p.parameter_type, bounds["min"], bounds["max"],
                                 bounds.get("step"), distribution=distribution))
    return out


def _counts(spec: Any) -> tuple[int | None, int, int | None]:
    parallel = spec.parallel_trial_count
    if parallel is None:
        parallel = DEFAULT_PARALLEL_TRIALS  # Katib's default, even when maxTrialCount < 3
    return spec.max_trial_count, parallel, spec.max_failed_trial_count


def _early_stopping(spec: Any) -> EarlyStopping | None:
    if spec is None or not spec.algorithm_name:
        return None
    values = {"min_trials_required": 3, "start_step": 4}
    for setting in spec.algorithm_settings or []:
        if setting.name in values and str(setting.value).isdigit():
            values[setting.name] = int(setting.value)
    return EarlyStopping(spec.algorithm_name, **values)


def _collector(
    spec: Any, kind_refused: bool, problems: list[str]
) -> tuple[tuple[str, ...], CollectorSpec]:
    """The collector the local tuner reads (Katib's defaults filled), and its own limits."""
    where = "spec.metricsCollectorSpec"
    kind = STDOUT
    if spec is not None and spec.collector is not None and spec.collector.kind:
        kind = spec.collector.kind
    source = spec.source if spec is not None else None
    fs = source.file_system_path if source is not None else None
    has_filter = source is not None and source.filter is not None
    if kind == "Push" and not kind_refused:
        problems.append(
            f"{where}.collector.kind {kind!r}: Katib collects no metrics from the trial "
            "(the trial would have to push them to Katib's DB manager), so the local tuner "
            "could never see an objective and every trial would end MetricsUnavailable; "
            "use StdOut, File or TensorFlowEvent"
        )
    elif kind not in SUPPORTED_COLLECTORS and not kind_refused:
        problems.append(
            f"{where}.collector.kind {kind!r} is not supported by the local "
            f"tuner; supported: {', '.join(SUPPORTED_COLLECTORS)}"
        )
    path, fmt = "", "TEXT"
    if kind in (FILE, TFEVENT):
        default = DEFAULT_FILE_PATH if kind == FILE else DEFAULT_TFEVENT_DIR
        path = (fs.path if fs is not None else default) or default
        if path.startswith("/") and CollectorSpec(kind, path).mounted_dir == "/":
            problems.append(
                f"{where}.source.fileSystemPath.path {path!r}: the metrics must live in a "
                "directory below /, which the local tuner maps to a per-trial directory"
            )
    fs_format = (fs.format if fs is not None else None) or ""
    if kind == FILE:
        fmt = fs_format or "TEXT"
    elif fs_format and kind != TFEVENT:  # Katib's own rule covers TensorFlowEvent
        problems.append(f"{where}.source.fileSystemPath.format is only for the File collector")
    if has_filter and kind not in (STDOUT, FILE):
        problems.append(f"{where}.source.filter is only for the StdOut and File collectors")
    filters: list[str] = []
    if has_filter:
        filters = list(source.filter.metrics_format or [])
    return tuple(filters) or (KATIB_DEFAULT_FILTER,), CollectorSpec(kind, path, fmt)


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


def _template(spec: Any, problems: list[str]) -> TrialTemplate | None:
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
    refs = {tp.name: tp.reference for tp in spec.trial_parameters or [] if tp.name}
    return TrialTemplate(spec.primary_container_name or "", refs, trial_spec)
