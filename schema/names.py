"""The one name rule: a models.yaml/spec key -> the Kubernetes-style name every half uses.

The compiler names tasks, Katib Experiments and default artifact files from it, and the
runtime names hand-written configs (``ideko baseline``) the same way, so ``LSTMLarge`` is
``lstm-large`` on both sides.
"""

from __future__ import annotations

import hashlib
import re

# A model name must fit in ``evaluate-<name>``, ``tune-<name>`` and a Katib Experiment name
# within Kubernetes' 63 characters (see schema/README.md).
MAX_MODEL_NAME = 40
MAX_EXPERIMENT_NAME = 40

_CAMEL_LOWER_UPPER = re.compile(r"([a-z0-9])([A-Z])")
_CAMEL_ACRONYM = re.compile(r"([A-Z]+)([A-Z][a-z])")
_EXPERIMENT_NAME = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")


def k8s_name(key: str) -> str:
    """``NeuralNetwork`` -> ``neural-network``, ``LSTMLarge`` -> ``lstm-large``, ``lstm_a`` ->
    ``lstm-a``: CamelCase split, lower case, ``_`` -> ``-``."""
    split = _CAMEL_ACRONYM.sub(r"\1-\2", _CAMEL_LOWER_UPPER.sub(r"\1-\2", key))
    return split.lower().replace("_", "-")


def default_name_parameters(key: str) -> dict[str, str]:
    """The ``name_parameters`` a model gets when the spec leaves them out."""
    return {"folder_name": key.lower(), "model_name": f"model_{k8s_name(key)}.keras"}


def experiment_name(pipeline: str, model: str) -> str:
    """``<pipeline>-<model>``, shortened with a stable hash suffix to Katib's name rules."""
    name = re.sub(r"[^a-z0-9-]+", "-", f"{pipeline}-{model}".lower()).strip("-")
    if not name[:1].isalpha():
        name = f"x-{name}"
    if len(name) <= MAX_EXPERIMENT_NAME and _EXPERIMENT_NAME.match(name):
        return name
    digest = hashlib.sha256(f"{pipeline}/{model}".encode()).hexdigest()[:8]
    head = name[: MAX_EXPERIMENT_NAME - len(digest) - 1].rstrip("-")
    return f"{head}-{digest}"
