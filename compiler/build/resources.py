"""A task's CPU and memory: step settings, the model's own override, the tune step's size.

Both builders read resources here: the pipeline sets them on its tasks, Katib puts the
train step's on every trial Job.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

from ideko.compiler.load.spec_model import Model, Resources, Spec, StepKind


def effective_resources(spec: Spec, kind: StepKind, model: Model | None = None) -> Resources:
    """The step's resources with the model's own ``resources`` overriding field by field."""
    base = spec.execution.steps[kind].resources
    if model is None:
        return base
    own = model.resources
    return Resources(
        cpu_request=own.cpu_request or base.cpu_request,
        cpu_limit=own.cpu_limit or base.cpu_limit,
        memory_request=own.memory_request or base.memory_request,
        memory_limit=own.memory_limit or base.memory_limit,
    )


def k8s_resources(resources: Resources) -> dict[str, dict[str, str]]:
    """A container's ``resources`` (``requests``/``limits``), empty parts left out."""
    requests = {"cpu": resources.cpu_request, "memory": resources.memory_request}
    limits = {"cpu": resources.cpu_limit, "memory": resources.memory_limit}
    out = {
        "requests": {k: v for k, v in requests.items() if v},
        "limits": {k: v for k, v in limits.items() if v},
    }
    return {k: v for k, v in out.items() if v}


def cpu_threads(quantity: str) -> int:
    """Whole threads for a Kubernetes CPU quantity: ``2`` → 2, ``1.5`` → 2, ``500m`` → 1."""
    text = quantity.strip()
    cores = float(text[:-1]) / 1000 if text.endswith("m") else float(text)
    return max(1, math.ceil(cores))



def task_resources(spec: Spec, kind: StepKind, model: Model | None = None) -> Resources:
    """What a pipeline task requests: ``effective_resources``, but sized for a tune task.

    The tune step runs up to ``parallel_trials`` trials at once, each with the train step's
    resources (the model's own overriding), so unless ``execution.steps.tune.resources`` is
    written, each of its requests and limits (CPU and memory) is ``parallel_trials`` times the
    trial's. Written tune resources are the user's own sizing and are kept as they are.
    """
    resources = effective_resources(spec, kind, model)
    if kind != "tune" or model is None or model.hpo is None:
        return resources
    if spec.execution.steps["tune"].own_resources:
        return resources
    trial = effective_resources(spec, "train", model)
    trials = model.hpo.parallel_trials
    return Resources(
        cpu_request=times(trial.cpu_request, trials) or resources.cpu_request,
        cpu_limit=times(trial.cpu_limit, trials) or resources.cpu_limit,
        memory_request=times(trial.memory_request, trials) or resources.memory_request,
        memory_limit=times(trial.memory_limit, trials) or resources.memory_limit,
    )


_QUANTITY = re.compile(r"^(\d+(?:\.\d+)?)(\D*)$")


def times(quantity: str | None, factor: int) -> str | None:
    """A Kubernetes quantity times ``factor``, unit kept: (``500m``, 2) → ``1000m``."""
    if quantity is None:
        return None
    match = _QUANTITY.match(quantity.strip())
    if match is None:  # the semantic checks accept no other shape; never guess
        raise ValueError(f"cannot scale resource quantity {quantity!r}")
    number = format(Decimal(match.group(1)) * factor, "f")
    if "." in number:
        number = number.rstrip("0").rstrip(".")
    return f"{number}{match.group(2)}"
