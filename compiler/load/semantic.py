"""Semantic checks the JSON Schema cannot express, registered in ``CHECKS``.

Each check is a plain function ``(spec, ctx) -> diagnostics``; the loader runs all of them
and reports everything at once. Add a check by writing a function and listing it below.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ideko.compiler.load.check_context import Check, CheckContext
from ideko.compiler.load.diagnostics import Diagnostic
from ideko.compiler.load.semantic_hpo import (
    check_hpo_admission,
    check_hpo_objective,
    check_hpo_ranges,
    check_hpo_targets,
)
from ideko.compiler.load.semantic_registry import check_registry
from ideko.compiler.load.semantic_serving import check_serving
from ideko.compiler.load.semantic_store import check_artifact_store
from ideko.compiler.load.spec_model import Resources, Spec
from ideko.schema.architectures import (
    ARCHITECTURES,
    CANONICAL_ARCHITECTURES,
    COMMON_MODEL_PARAMETERS,
    own_parameters,
    parameter_problems,
)
from ideko.schema.durations import parse_duration
from ideko.schema.metric_lines import metric_goal
from ideko.schema.names import MAX_MODEL_NAME

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
# Test-set quality metrics the evaluate step writes (higher is better); the promotion gate
# can only read these. Costs (training_time, ...) rank models but make no sense as a floor.
EVALUATE_QUALITY_METRICS = ("accuracy", "macro_f1", "macro_precision", "macro_recall")
_CPU = re.compile(r"^(\d+(?:\.\d+)?)(m?)$")
_MEMORY = re.compile(r"^(\d+(?:\.\d+)?)([KMGTPE]i?|k)?$")
_MEMORY_UNITS = {"": 1, "k": 1e3, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
                 "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}


def check_model_names(spec: Spec, ctx: CheckContext) -> Iterator[Diagnostic]:
    """Normalised names are valid Kubernetes names, short enough and unique."""
    owners: dict[str, str] = {}
    folders: dict[str, str] = {}
    for model in spec.models:
        path = ("models", model.key)
        if not _DNS_LABEL.match(model.name):
            yield ctx.at(path, f"model key '{model.key}' becomes '{model.name}', not a valid "
                         "Kubernetes name; use letters, digits, '_' or '-' (e.g. lstm_large)",
                         at_key=True)
        elif len(model.name) > MAX_MODEL_NAME:
            yield ctx.at(path, f"model name '{model.name}' is {len(model.name)} characters; "
                         f"at most {MAX_MODEL_NAME} fit in task and experiment names",
                         at_key=True)
        if model.name in owners:
            yield ctx.at(path, f"models '{owners[model.name]}' and '{model.key}' both become "
                         f"'{model.name}'; rename one", at_key=True)
        owners.setdefault(model.name, model.key)
        folder = model.name_parameters["folder_name"]
        if folder in folders:
            yield ctx.at((*path, "name_parameters", "folder_name"), f"folder '{folder}' is "
                         f"already used by model '{folders[folder]}'; outputs would collide")
        folders.setdefault(folder, model.key)


def check_architecture(spec: Spec, ctx: CheckContext) -> Iterator[Diagnostic]:
    """Canonical keys keep their architecture; parameters fit the architecture."""
    for model in spec.models:
        path = ("models", model.key)
        implied = CANONICAL_ARCHITECTURES.get(model.key)
        if implied and implied != model.architecture:
            yield ctx.at((*path, "architecture"), f"{model.key} is always {implied}; use "
                         f"another key (e.g. {model.key.lower()}_{model.architecture}) for a "
                         f"{model.architecture} model")
        own = own_parameters(model.architecture)
        params_path = (*path, "model_parameters")
        for name in model.model_parameters:
            if name in own or name in COMMON_MODEL_PARAMETERS:
                continue
            owners = [a for a in ARCHITECTURES if name in own_parameters(a)]
            yield ctx.at((*params_path, name), f"'{name}' is not a parameter of "
                         f"{model.architecture} models (it belongs to {'/'.join(owners)}); "
                         f"{model.architecture} models take {', '.join(own)}", at_key=True)
        for name in own:
            if name not in model.model_parameters:
                where = params_path if ctx.written(params_path) else path
                yield ctx.at(where, f"{model.architecture} models need model_parameters."
                             f"{name}", at_key=True)
        for name, problem in parameter_problems(model.architecture, model.model_parameters):
            where = (*params_path, name)
            yield ctx.at(where if ctx.written(where) else params_path, problem, at_key=True)


def check_enabled_models(spec: Spec, ctx: CheckContext) -> Iterator[Diagnostic]:
    """A pipeline without an enabled model has nothing to train."""
    if spec.models and not spec.enabled_models:
        yield ctx.at(("models",), "every model is disabled; set enabled: true on at least one",
                     at_key=True)


def check_data(spec: Spec, ctx: CheckContext) -> Iterator[Diagnostic]:
    """Indicators, class labels and the split agree with each other."""
    data = spec.data
    for i, name in enumerate(data.quality_gate.required_indicators):
        if name not in data.indicators:
            yield ctx.at(("data", "quality_gate", "required_indicators", i),
                         f"'{name}' is not in data.indicators, so it is never read")
    labels: dict[str, str] = {}
    for folder, label in data.classes:
        if label in labels:
            yield ctx.at(("data", "classes", folder), f"label '{label}' is also the label of "
                         f"'{labels[label]}'; the two classes would merge")
        labels.setdefault(label, folder)
    if data.split.test_days and data.split.strategy != "by_day":
        yield ctx.at(("data", "split", "test_days"), "test_days is only used by the by_day "
                     "strategy", at_key=True)
    yield from _validation_problems(spec, ctx)
    length = data.length
    if length.policy != "none" and length.max_length is None:
        yield ctx.at(("data", "length", "policy"), f"the {length.policy} length policy needs "
                     "max_length (the longest series the models see, in points)")
    if length.policy == "none" and length.max_length is not None:
        yield ctx.at(("data", "length", "max_length"), "max_length is only used by the "
                     "truncate and resample policies (set data.length.policy)")


def _validation_problems(spec: Spec, ctx: CheckContext) -> Iterator[Diagnostic]:
    """The validation set is the dataset's: its strategy fits the split, one size for all."""
    split = spec.data.split
    validation = split.validation
    where = ("data", "split", "validation")
    if validation.strategy == "by_day" and split.strategy != "by_day":
        yield ctx.at((*where, "strategy"), "validation by_day holds out training days; it "
                     "needs split.strategy by_day (or use stratified)")
    if validation.days and validation.strategy != "by_day":
        yield ctx.at((*where, "days"), "validation days are only used by the by_day "
                     "validation strategy (set validation.strategy: by_day)", at_key=True)
    for i, day in enumerate(validation.days):
        if day in split.test_days:
            yield ctx.at((*where, "days", i), f"day '{day}' is a test day; a validation day "
                         "must be a training day")
    for model in spec.models:
        path = ("models", model.key, "training_parameters", "validation_split")
        given = model.training_parameters.get("validation_split")
        if ctx.written(path) and given != validation.size:
            yield ctx.at(path, f"validation_split {given} differs from "
                         f"data.split.validation.size {validation.size}: every model "
                         "validates on the dataset's validation rows; set the size there")


def check_conditions(spec: Spec, ctx: CheckContext) -> Iterator[Diagnostic]:
    """The promotion gate reads a metric the evaluate step really produces."""
    promotion = spec.conditions.promotion
    if promotion is not None and promotion.metric not in EVALUATE_QUALITY_METRICS:
        yield ctx.at(("conditions", "promotion", "metric"), f"'{promotion.metric}' is not "
                     f"reported by the evaluate step; use one of "
                     f"{', '.join(EVALUATE_QUALITY_METRICS)}")


def check_selection(spec: Spec, ctx: CheckContext) -> Iterator[Diagnostic]:
    """Each criterion once, each in its meaningful direction."""
    seen: set[str] = set()
    for i, criterion in enumerate(spec.selection.criteria):
        path = ("selection", "criteria", i)
        if criterion.metric in seen:
            yield ctx.at((*path, "metric"), f"'{criterion.metric}' is already a criterion; "
                         "merge the weights")
        seen.add(criterion.metric)
        natural = metric_goal(criterion.metric)
        if criterion.goal != natural:
            yield ctx.at((*path, "goal"), f"{criterion.metric} should be {natural}d; "
                         f"{criterion.goal} would favour the worst model")


def check_execution(spec: Spec, ctx: CheckContext) -> Iterator[Diagnostic]:
    """Backoff fits under max_backoff; requests do not exceed limits (steps and models)."""
    for kind, step in spec.execution.steps.items():
        retries = _written_or_default(ctx, kind, "retries")
        if parse_duration(step.retries.backoff) > parse_duration(step.retries.max_backoff):
            yield ctx.at((*retries, "backoff"), f"backoff ({step.retries.backoff}) is longer "
                         f"than max_backoff ({step.retries.max_backoff})")
        resources = _written_or_default(ctx, kind, "resources")
        yield from resource_problems(step.resources, resources, ctx)
    for model in spec.models:
        yield from resource_problems(model.resources, ("models", model.key, "resources"), ctx)


def _written_or_default(ctx: CheckContext, kind: str, section: str) -> tuple[str, ...]:
    step = ("execution", "steps", kind, section)
    return step if ctx.written(step) else ("execution", "defaults", section)


def resource_problems(
    res: Resources, path: tuple[str, ...], ctx: CheckContext
) -> Iterator[Diagnostic]:
    pairs = (("cpu", _cpu, res.cpu_request, res.cpu_limit),
             ("memory", _memory, res.memory_request, res.memory_limit))
    for what, parse, request, limit in pairs:
        if request is not None and limit is not None and parse(request) > parse(limit):
            yield ctx.at((*path, f"{what}_request"), f"{what}_request ({request}) is greater "
                         f"than {what}_limit ({limit})")


def _cpu(text: str) -> float:
    match = _CPU.match(text)
    if match is None:  # a YAML number such as 1e3 that str() spelt in exponent form
        return float(text)
    return float(match[1]) / (1000 if match[2] else 1)


def _memory(text: str) -> float:
    match = _MEMORY.match(text)
    assert match is not None, text  # the schema pattern guarantees the shape
    return float(match[1]) * _MEMORY_UNITS[match[2] or ""]


CHECKS: tuple[Check, ...] = (
    check_model_names,
    check_architecture,
    check_enabled_models,
    check_data,
    check_conditions,
    check_selection,
    check_execution,
    check_hpo_targets,
    check_hpo_ranges,
    check_hpo_admission,
    check_hpo_objective,
    check_artifact_store,
    check_serving,
    check_registry,
)


def run_checks(spec: Spec, ctx: CheckContext) -> list[Diagnostic]:
    """Every diagnostic of every registered check (unsorted; the loader sorts)."""
    return [diag for check in CHECKS for diag in check(spec, ctx)]
