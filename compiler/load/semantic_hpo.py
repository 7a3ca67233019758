"""Semantic checks of ``hpo:`` sections: what the schema cannot express, Katib's own rules.

Each function is one registered check (see ``semantic.CHECKS``) and is testable alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ideko.compiler.load.check_context import CheckContext
from ideko.compiler.load.diagnostics import Diagnostic, did_you_mean
from ideko.compiler.load.metric_direction import metric_goal
from ideko.compiler.load.schema_check import property_schema, value_problems
from ideko.compiler.load.spec_model import HpoParameter, Model, Spec

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
    """min < max, whole numbers for int, positive bounds for log scales, keys that fit the type."""
    for model, hpo_path in _tuned(spec):
        assert model.hpo is not None
        for param in model.hpo.parameters:
            path = (*hpo_path, "parameters", param.name)
            yield from _range_problems(param, path, ctx, model.hpo.algorithm)


def _range_problems(
    param: HpoParameter, path: tuple[str, ...], ctx: CheckContext, algorithm: str
) -> Iterator[Diagnostic]:
    if param.type not in _RANGE_TYPES:
        for key in _RANGE_KEYS:
            if ctx.written((*path, key)):
                yield ctx.at((*path, key), f"'{key}' is only used by int and double "
                             f"parameters; {param.type} parameters use values", at_key=True)
        if param.type == "discrete":
            for i, value in enumerate(param.values):
                if isinstance(value, bool) or not isinstance(value, int | float):
                    yield ctx.at((*path, "values", i), f"discrete values must be numbers, "
                                 f"got {value!r}; use type: categorical for other values")
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
    if param.min >= param.max:
        yield ctx.at((*path, "min"), f"min ({param.min}) must be less than max ({param.max})")
    elif param.step is not None and param.step > param.max - param.min:
        yield ctx.at((*path, "step"), f"step ({param.step}) is larger than the range "
                     f"{param.min}..{param.max}")
    if param.distribution in ("logUniform", "logNormal") and param.min <= 0:
        yield ctx.at((*path, "min"), f"a {param.distribution} distribution needs min > 0, "
                     f"got {param.min}")
    if algorithm == "grid" and param.type == "double" and param.step is None:
        yield ctx.at(path, "the grid algorithm needs a step for every double parameter "
                     "(Katib rule); add step:", at_key=True)


def check_hpo_budget(spec: Spec, ctx: CheckContext) -> Iterator[Diagnostic]:
    """Katib runs at most max_trials trials: neither parallel nor failed trials exceed it."""
    for model, hpo_path in _tuned(spec):
        assert model.hpo is not None
        hpo = model.hpo
        if hpo.parallel_trials > hpo.max_trials:
            where = (*hpo_path, "budget", "parallel_trials")
            if not ctx.written(where):
                where = (*hpo_path, "budget", "max_trials")
            yield ctx.at(where, f"parallel_trials ({hpo.parallel_trials}) must not exceed "
                         f"max_trials ({hpo.max_trials})")
        if hpo.max_failed_trials > hpo.max_trials:  # Katib's webhook rejects it
            yield ctx.at((*hpo_path, "budget", "max_failed_trials"), f"max_failed_trials "
                         f"({hpo.max_failed_trials}) must not exceed max_trials "
                         f"({hpo.max_trials}); Katib rejects such an Experiment")


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
