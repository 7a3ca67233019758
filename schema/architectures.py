"""The architecture table: each architecture's parameters, default activation and layer list.

The compiler checks spec models against it and fills the default activation; the runtime
checks ``model_config`` against it and builds the layers from ``layer_key``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

Architecture = Literal["dense", "cnn", "rnn", "lstm", "gru"]
ARCHITECTURES: tuple[Architecture, ...] = get_args(Architecture)

# Every architecture accepts these; its own parameters are required.
COMMON_MODEL_PARAMETERS: tuple[str, ...] = ("activation_function", "dropout", "masking")


@dataclass(frozen=True)
class ArchitectureInfo:
    """One row of the table: ``layer_key`` is the list with one element per hidden layer."""

    layer_key: str
    own_parameters: tuple[str, ...]
    default_activation: str


TABLE: dict[Architecture, ArchitectureInfo] = {
    "dense": ArchitectureInfo("units", ("units",), "relu"),
    "cnn": ArchitectureInfo("filters", ("filters", "kernel_size", "pool_size"), "relu"),
    "rnn": ArchitectureInfo("hidden_units", ("hidden_units",), "tanh"),
    "lstm": ArchitectureInfo("hidden_units", ("hidden_units",), "tanh"),
    "gru": ArchitectureInfo("hidden_units", ("hidden_units",), "tanh"),
}

# The four keys of IDEKO's original models.yaml and the architecture each one implies.
CANONICAL_ARCHITECTURES: dict[str, Architecture] = {
    "NeuralNetwork": "dense",
    "CNN": "cnn",
    "RNN": "rnn",
    "LSTM": "lstm",
}

OPTIMIZERS: tuple[str, ...] = (
    "adam", "adamw", "sgd", "rmsprop", "adagrad", "adadelta", "adamax", "nadam",
)  # fmt: skip
MASKING_MODES: tuple[str, ...] = ("original", "mask-aware")


def layer_key(architecture: Architecture) -> str:
    """The layer-list parameter of ``architecture`` (``units``, ``filters``, ``hidden_units``)."""
    return TABLE[architecture].layer_key


def own_parameters(architecture: Architecture) -> tuple[str, ...]:
    """The parameters only ``architecture`` takes, all required."""
    return TABLE[architecture].own_parameters


def default_activation(architecture: Architecture) -> str:
    """The activation a model gets when the spec leaves it out."""
    return TABLE[architecture].default_activation
