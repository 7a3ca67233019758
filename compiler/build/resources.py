"""A task's CPU and memory: step settings, the model's own override, the tune step's share.

Both builders read resources here: the pipeline sets them on its tasks, Katib puts the
train step's on every trial Job.
"""

from __future__ import annotations

import math

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

