"""Semantic checks of ``hpo:`` sections: what the schema cannot express, Katib's own rules.

Each function is one registered check (see ``semantic.CHECKS``) and is testable alone.
Katib's admission rules are not written here: ``check_hpo_admission`` builds each tuned
model's Experiment and runs ``ideko.schema.katib_rules`` on it, the same code ``ideko tune``
and the tests run; only spec-level rules (targets, keys per type, objective direction) live here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ideko.compiler.load.check_context import CheckContext
from ideko.compiler.load.diagnostics import Diagnostic, did_you_mean
from ideko.compiler.load.schema_check import property_schema, value_problems
from ideko.compiler.load.spec_model import HpoParameter, Model, Spec
from ideko.compiler.load.yaml_doc import YamlPath
from ideko.schema.katib_rules import Problem, admission_problems
from ideko.schema.metric_lines import metric_goal

_SECTIONS = {"model_parameters": "modelParameters", "training_parameters": "trainingParameters"}
_RANGE_TYPES = ("int", "double")
_RANGE_KEYS = ("min", "max", "step", "distribution")


def _tuned(spec: Spec) -> Iterator[tuple[Model, tuple[str, ...]]]:
    for model in spec.models:
        if model.hpo is not None:
            yield model, ("models", model.key, "hpo")


def check_hpo_targets(spec: Spec, ctx: CheckContext) -> Iterator[Diagnostic]:
    """Every HPO parameter sets a real model/training parameter, with values it accepts."""
    for model, hpo_path in _tuned(spec):
        assert model.hpo is not None
        seen: dict[str, str] = {}
        for param in model.hpo.parameters:
            path = (*hpo_path, "parameters", param.name)
            problem = _target_problem(model, param)
            if problem:
                where = (*path, "target") if ctx.written((*path, "target")) else path
                yield ctx.at(where, problem, at_key=where == path)
                continue
            if param.target in seen:
                yield ctx.at(path, f"sets {param.target}, as parameter '{seen[param.target]}' "
                             "already does; keep one", at_key=True)
            seen[param.target] = param.name
            yield from _value_problems(model, param, path, ctx)


def _target_problem(model: Model, param: HpoParameter) -> str | None:
    sections = {"model_parameters": model.model_parameters,
                "training_parameters": model.training_parameters}
    if not param.target:
        known = [*model.model_parameters, *model.training_parameters]
        best = did_you_mean(param.name, known)
        hint = (f"; did you mean '{best}'? (or set target:)" if best
                else f"; set target: to one of {_tunable(model)}")
        return (f"'{param.name}' maps to nothing: {model.architecture} models have no "
                f"model_parameters.{param.name} or training_parameters.{param.name}{hint}")
    section, name, *index = param.target.split(".")
    values = sections[section]
    if name not in values:
        best = did_you_mean(name, values)
        hint = f"; did you mean '{section}.{best}'?" if best else f"; it has {', '.join(values)}"
        return f"target '{param.target}' names nothing in this {model.architecture} model{hint}"
    value = values[name]
    if index and not isinstance(value, list):
        return f"target '{param.target}' indexes {section}.{name}, which is not a list"
    if index and int(index[0]) >= len(value):
        return (f"target '{param.target}' addresses element {index[0]} but {section}.{name} "
                f"has {len(value)} elements")
    if not index and isinstance(value, list):
        return (f"target '{param.target}' is a list; address one element, "
                f"such as {param.target}.0")
    return None


def _tunable(model: Model) -> str:
    """Every settable target of ``model``, lists shown with an index placeholder."""
    names = []
    for section in ("model_parameters", "training_parameters"):
        for name, value in getattr(model, section).items():
            names.append(f"{section}.{name}" + (".<index>" if isinstance(value, list) else ""))
    return ", ".join(names)


def _target_schema(param: HpoParameter) -> dict[str, Any]:
    section, name, *index = param.target.split(".")
    schema = property_schema(_SECTIONS[section], name) or {}
    return schema.get("items", {}) if index else schema


def _value_problems(
    model: Model, param: HpoParameter, path: tuple[str, ...], ctx: CheckContext
) -> Iterator[Diagnostic]:
    schema = _target_schema(param)
    wants_int = schema.get("type") == "integer"
    if param.type == "double" and wants_int:
        yield ctx.at((*path, "type"), f"{param.target} takes whole numbers; use type: int")
        return
    candidates: list[tuple[tuple[str | int, ...], Any]] = []
    if param.type in _RANGE_TYPES:
        candidates = [((*path, k), getattr(param, k)) for k in ("min", "max")]
    else:
        candidates = [((*path, "values", i), v) for i, v in enumerate(param.values)]
    for where, value in candidates:
        for problem in value_problems(value, schema):
            yield ctx.at(where, f"not a valid value for {param.target}: {problem}")


def check_hpo_ranges(spec: Spec, ctx: CheckContext) -> Iterator[Diagnostic]:
    """Keys that fit the type, whole numbers for int, a step that fits inside the range.

    These are spec-level: the manifest builder would silently drop or round what they catch.
    Katib's own rules on the search space run on the built Experiment (``check_hpo_admission``).
    """
    for model, hpo_path in _tuned(spec):
        assert model.hpo is not None
        for param in model.hpo.parameters:
            yield from _range_problems(param, (*hpo_path, "parameters", param.name), ctx)


def _range_problems(
    param: HpoParameter, path: tuple[str, ...], ctx: CheckContext
) -> Iterator[Diagnostic]:
    if param.type not in _RANGE_TYPES:
        for key in _RANGE_KEYS:
            if ctx.written((*path, key)):
                yield ctx.at((*path, key), f"'{key}' is only used by int and double "
                             f"parameters; {param.type} parameters use values", at_key=True)
        return
    if ctx.written((*path, "values")):
        yield ctx.at((*path, "values"), f"'values' is only used by categorical and discrete "
                     f"parameters; {param.type} parameters use min/max/step", at_key=True)
    assert param.min is not None and param.max is not None
    if param.type == "int":
        for key in ("min", "max", "step"):
            value = getattr(param, key)
            if value is not None and not float(value).is_integer():
                yield ctx.at((*path, key), f"int parameters need whole numbers, got {value}")
    if param.min < param.max and param.step is not None and param.step > param.max - param.min:
        yield ctx.at((*path, "step"), f"step ({param.step}) is larger than the range "
                     f"{param.min}..{param.max}")


# Katib's budget fields in the spec's words, for messages that name them.
_SPEC_WORDS = {
    "maxFailedTrialCount": "max_failed_trials",
    "parallelTrialCount": "parallel_trials",
    "maxTrialCount": "max_trials",
}
# Where a budget field's problem points when the field itself was not written.
_BUDGET = {
    "maxTrialCount": (("max_trials",),),
    "parallelTrialCount": (("parallel_trials",), ("max_trials",)),
    "maxFailedTrialCount": (("max_failed_trials",), ("max_trials",)),
}
_OBJECTIVE = {
    "type": ("objective", "type"),
    "objectiveMetricName": ("objective", "metric"),
    "additionalMetricNames": ("additional_metrics",),
}
_PARAMETER_KEYS = {"parameterType": "type", "list": "values"}


def check_hpo_admission(spec: Spec, ctx: CheckContext) -> Iterator[Diagnostic]:
    """Katib's admission rules, run on the Experiment the compiler builds for each tuned model.

    Each problem's manifest path is mapped back to the spec field it came from, so the
    error carries the spec's file:line:col (e.g. a grid with more trials than combinations).
    """
    # Imported here: build.katib imports load.spec_model, whose package imports this module,
    # so a module-level import makes `import ideko.compiler.build.katib` fail when it runs first.
    from ideko.compiler.build.katib import build_experiment

    for model, hpo_path in _tuned(spec):
        try:
            experiment = build_experiment(spec, model)
        except (ValueError, TypeError):  # a broken field another check reports
            continue
        for problem in admission_problems(experiment):
            yield _diagnostic(problem, model, experiment, hpo_path, ctx)


def _diagnostic(
    problem: Problem,
    model: Model,
    experiment: dict[str, Any],
    hpo_path: tuple[str, ...],
    ctx: CheckContext,
) -> Diagnostic:
    candidates = _spec_paths(problem.path, model, experiment)
    path: YamlPath = next((c for c in candidates if ctx.written((*hpo_path, *c))),
                          candidates[0] if candidates else ())
    where: YamlPath = (*hpo_path, *path)
    while len(where) > len(hpo_path) and not ctx.written(where):
        where = where[:-1]
    message = problem.message
    for katib, words in _SPEC_WORDS.items():
        message = message.replace(katib, words)
    at_key = (problem.path[-1:] == ("name",) or where == hpo_path
              or isinstance(_raw(ctx, where), dict | list))  # a wrong name, a whole block
    return ctx.at(where, message, at_key=at_key)


def _spec_paths(
    path: tuple[str | int, ...], model: Model, experiment: dict[str, Any]
) -> list[YamlPath]:
    """Spec paths (below ``hpo``) a manifest path comes from, the likeliest written first."""
    assert model.hpo is not None
    head, rest = path[:2], path[2:]
    if head == ("spec", "parameters") and rest and isinstance(rest[0], int):
        if rest[0] >= len(model.hpo.parameters):
            return []
        param: YamlPath = ("parameters", model.hpo.parameters[rest[0]].name)
        keys = [k for k in rest[1:] if k != "feasibleSpace"]
        if keys and isinstance(keys[0], str):
            keys[0] = _PARAMETER_KEYS.get(keys[0], keys[0])
        return [(*param, *keys[:2])] if keys[:1] != ["name"] else [param]
    if head == ("spec", "algorithm"):
        settings = _setting_name(rest, experiment["spec"].get("algorithm", {}))
        return [("algorithm_settings", settings)] if settings else [("algorithm",)]
    if head == ("spec", "earlyStopping"):
        settings = _setting_name(rest, experiment["spec"].get("earlyStopping", {}))
        return [("early_stopping", settings)] if settings else [("early_stopping", "algorithm")]
    if head == ("spec", "objective") and rest and rest[0] in _OBJECTIVE:
        return [_OBJECTIVE[str(rest[0])]]
    if len(path) == 2 and path[0] == "spec" and path[1] in _BUDGET:
        return [("budget", *c) for c in _BUDGET[str(path[1])]]
    return []


def _setting_name(rest: tuple[str | int, ...], section: dict[str, Any]) -> str | None:
    if len(rest) >= 2 and rest[0] == "algorithmSettings" and isinstance(rest[1], int):
        return str(section["algorithmSettings"][rest[1]]["name"])
    return None


def _raw(ctx: CheckContext, path: YamlPath) -> Any:
    node: Any = ctx.raw
    for part in path:
        node = node[part]
    return node


def check_hpo_objective(spec: Spec, ctx: CheckContext) -> Iterator[Diagnostic]:
    """`score` needs weights, weights need `score`, the objective is not repeated (Katib rule)."""
    for model, hpo_path in _tuned(spec):
        assert model.hpo is not None
        hpo = model.hpo
        metric = hpo.objective.metric
        objective_path = (*hpo_path, "objective")
        uses_score = metric == "score" or "score" in hpo.additional_metrics
        if uses_score and hpo.weights is None:
            yield ctx.at((*objective_path, "metric") if metric == "score"
                         else (*hpo_path, "additional_metrics"),
                         "the score metric needs weights: (validation_accuracy, training_time)")
        if hpo.weights is not None and not uses_score:
            yield ctx.at((*hpo_path, "weights"), "weights only define the score metric; use "
                         "objective.metric: score or list score in additional_metrics",
                         at_key=True)
        if metric in hpo.additional_metrics:
            yield ctx.at((*hpo_path, "additional_metrics"), f"'{metric}' is already the "
                         "objective metric; Katib rejects it as an additional metric")
        natural = metric_goal(metric)
        if metric != "score" and hpo.objective.type != natural:
            yield ctx.at((*objective_path, "type"), f"{metric} should be {natural}d; "
                         f"{hpo.objective.type} would search for the worst trial")
