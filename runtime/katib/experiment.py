"""Read a Katib v1beta1 Experiment manifest into the plan the local tuner executes.

The manifest is first parsed with ``kubeflow_katib_api.models`` (Katib's own typed API, so
field names and types are Katib's), then checked against the rules the local tuner needs to
honour it faithfully. Every problem is collected and reported at once as a
:class:`ManifestError`; nothing here runs a trial.

Katib defaults applied here (v1beta1 ``experiment_defaults.go``): ``parallelTrialCount`` 3,
metrics collector ``StdOut`` (a File collector's format ``TEXT``), metric strategy for every
metric without one = the objective type's direction (``max`` for maximize, ``min`` for
minimize), ``primaryContainerName`` ``training-container`` is *not* defaulted (the webhook
requires it for Jobs), early-stopping ``medianstop`` settings ``min_trials_required`` 3 and
``start_step`` 4.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from ideko.runtime.katib.collector import CollectorSpec
from ideko.runtime.katib.errors import ManifestError

OPTUNA_ALGORITHMS = ("random", "grid", "tpe", "multivariate-tpe", "cmaes", "sobol")
SKOPT_ALGORITHMS = ("bayesianoptimization",)
SUPPORTED_ALGORITHMS = OPTUNA_ALGORITHMS + SKOPT_ALGORITHMS
SUPPORTED_COLLECTORS = ("StdOut", "File", "TensorFlowEvent")


@dataclass(frozen=True)
class Parameter:
    """One Katib search-space parameter; ``min``/``max``/``step`` already numeric."""

    name: str
    type: Literal["int", "double", "categorical", "discrete"]
    min: float | None = None
    max: float | None = None
    step: float | None = None
    distribution: str = "uniform"
    values: tuple[str, ...] = ()  # categorical/discrete: Katib keeps them as strings

    def grid(self) -> list[str]:
        """Every value a grid search visits, as Katib assignment strings."""
        if self.type in ("categorical", "discrete"):
            return list(self.values)
        assert self.min is not None and self.max is not None and self.step is not None
        count = math.floor((self.max - self.min) / self.step + 1e-9) + 1
        points = [self.min + k * self.step for k in range(count)]
        return [format_value(self, p) for p in points]


def format_value(param: Parameter, value: float | int | str) -> str:
    """Katib assignments are strings: ints without a fraction, doubles via ``repr``."""
    if param.type == "int":
        return str(round(float(value)))
    if param.type == "double":
        return repr(round(float(value), 12))
    return str(value)


@dataclass(frozen=True)
class Objective:
    type: Literal["maximize", "minimize"]
    metric: str
    goal: float | None
    additional_metrics: tuple[str, ...]
    strategies: dict[str, str]  # every metric (objective + additional) -> min|max|latest

    @property
    def metric_names(self) -> tuple[str, ...]:
        """Objective first, as Katib's collector orders them."""
        return (self.metric, *self.additional_metrics)

    def better(self, a: float, b: float) -> bool:
        """True when ``a`` is strictly better than ``b`` in the objective's direction."""
        return a > b if self.type == "maximize" else a < b

    def reached(self, value: float) -> bool:
        """Katib's goal test: ``>= goal`` when maximising, ``<= goal`` when minimising."""
        if self.goal is None:
            return False
        return value >= self.goal if self.type == "maximize" else value <= self.goal


@dataclass(frozen=True)
class EarlyStopping:
    algorithm: str
    min_trials_required: int
    start_step: int


@dataclass(frozen=True)
class TrialTemplate:
    primary_container: str
    trial_parameters: dict[str, str]  # trialParameter name -> reference (parameter or meta)
    trial_spec: dict[str, Any]


@dataclass(frozen=True)
class ExperimentPlan:
    """Everything the local tuner needs, validated; ``manifest`` is the document as read."""

    name: str
    namespace: str
    objective: Objective
    algorithm: str
    algorithm_settings: dict[str, str]
    parameters: tuple[Parameter, ...]
    max_trial_count: int | None
    parallel_trial_count: int
    max_failed_trial_count: int | None
    early_stopping: EarlyStopping | None
    metric_filters: tuple[str, ...]
    template: TrialTemplate
    manifest: dict[str, Any] = field(repr=False)
    collector: CollectorSpec = field(default_factory=CollectorSpec)


def load_experiment(path: str | Path) -> ExperimentPlan:
    """Read and validate a manifest file; raises :class:`ManifestError` with every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ManifestError(str(path), [f"cannot read the manifest: {exc.strerror}"]) from None
    return parse_experiment(text, source=str(path))


def parse_experiment(text: str, source: str = "<manifest>") -> ExperimentPlan:
    """Parse manifest YAML text (one Experiment document)."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ManifestError(source, [f"not valid YAML: {exc}"]) from None
    return plan_from_dict(document, source=source)


def plan_from_dict(document: Any, source: str = "<manifest>") -> ExperimentPlan:
    """Validate a manifest already loaded as a dict."""
    from ideko.runtime.katib.validate import build_plan

    if not isinstance(document, dict):
        raise ManifestError(source, ["the manifest must be a mapping (one Experiment document)"])
    return build_plan(document, source)
