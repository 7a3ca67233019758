"""The compiler's model-name rule: a models.yaml key as a Kubernetes-style name.

Task names (``train-<name>``), Katib Experiment names and labels all start from it.
"""

from __future__ import annotations

import re

_CAMEL_LOWER_UPPER = re.compile(r"([a-z0-9])([A-Z])")
_CAMEL_ACRONYM = re.compile(r"([A-Z]+)([A-Z][a-z])")


def k8s_name(key: str) -> str:
    """Model key -> Kubernetes-style name: NeuralNetwork -> neural-network, lstm_a -> lstm-a."""
    split = _CAMEL_ACRONYM.sub(r"\1-\2", _CAMEL_LOWER_UPPER.sub(r"\1-\2", key))
    return split.lower().replace("_", "-")
