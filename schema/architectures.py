"""The architecture table: each architecture's parameters, default activation and layer list.

The compiler checks spec models against it and fills the defaults; the runtime checks
``model_config`` against it and builds the layers from ``layer_key``. The parameter values
an architecture gets when the spec leaves them out (the papers' settings for fcn, resnet and
inception) and its default HPO search space are the schema's ``default`` keywords
(``$defs.<arch>Parameters``, ``$defs.searchSpaces``), read here once for both halves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args

from ideko.schema.defaults import default_of, defaults_of

Architecture = Literal["dense", "cnn", "rnn", "lstm", "gru", "fcn", "resnet", "inception"]
ARCHITECTURES: tuple[Architecture, ...] = get_args(Architecture)

# Every architecture accepts these; its own parameters are required.
COMMON_MODEL_PARAMETERS: tuple[str, ...] = ("activation_function", "dropout", "masking")


@dataclass(frozen=True)
class ArchitectureInfo:
    """One row of the table: ``layer_key`` is the list with one element per hidden layer
    (block, module); ``defaults_def`` names the schema ``$defs`` object holding the values
    of its own parameters when the spec leaves them out (``None``: they must be written);
    ``training_defaults_def`` the one holding its ``training_parameters`` defaults that differ
    from ``$defs.trainingParameters`` (``None``: the original script's training)."""

    layer_key: str
    own_parameters: tuple[str, ...]
    default_activation: str
    defaults_def: str | None = None
    training_defaults_def: str | None = None


TABLE: dict[Architecture, ArchitectureInfo] = {
    "dense": ArchitectureInfo("units", ("units",), "relu"),
    "cnn": ArchitectureInfo("filters", ("filters", "kernel_size", "pool_size"), "relu"),
    "rnn": ArchitectureInfo("hidden_units", ("hidden_units",), "tanh"),
    "lstm": ArchitectureInfo("hidden_units", ("hidden_units",), "tanh"),
    "gru": ArchitectureInfo("hidden_units", ("hidden_units",), "tanh"),
    "fcn": ArchitectureInfo(
        "filters", ("filters", "kernel_sizes"), "relu", "fcnParameters", "convTrainingParameters"
    ),
    "resnet": ArchitectureInfo(
        "filters", ("filters", "kernel_sizes"), "relu", "resnetParameters",
        "convTrainingParameters",
    ),
    "inception": ArchitectureInfo(
        "filters", ("filters", "kernel_sizes", "bottleneck_size"), "relu", "inceptionParameters",
        "convTrainingParameters",
    ),
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

# InceptionTime adds a residual shortcut around every third module (Ismail Fawaz et al. 2020).
INCEPTION_RESIDUAL_EVERY = 3


def layer_key(architecture: Architecture) -> str:
    """The layer-list parameter of ``architecture`` (``units``, ``filters``, ``hidden_units``)."""
    return TABLE[architecture].layer_key


def own_parameters(architecture: Architecture) -> tuple[str, ...]:
    """The parameters only ``architecture`` takes (all present once defaults are filled)."""
    return TABLE[architecture].own_parameters


def default_activation(architecture: Architecture) -> str:
    """The activation a model gets when the spec leaves it out."""
    return TABLE[architecture].default_activation


def model_parameter_defaults(architecture: Architecture) -> dict[str, Any]:
    """Every ``model_parameters`` default of ``architecture``: its activation, the common
    defaults (``$defs.modelParameters``), then its own (``$defs.<arch>Parameters``) on top."""
    info = TABLE[architecture]
    own = defaults_of(info.defaults_def) if info.defaults_def else {}
    return {"activation_function": info.default_activation, **defaults_of("modelParameters"), **own}


def training_parameter_defaults(architecture: Architecture) -> dict[str, Any]:
    """Every ``training_parameters`` default of ``architecture``: ``$defs.trainingParameters``
    (the original script's training), then its own (``$defs.convTrainingParameters`` for
    fcn, resnet and inception: their papers' schedule) on top."""
    info = TABLE[architecture]
    own = defaults_of(info.training_defaults_def) if info.training_defaults_def else {}
    return {**defaults_of("trainingParameters"), **own}


def default_search_space(architecture: Architecture) -> dict[str, dict[str, Any]]:
    """The HPO parameters an ``hpo:`` section without ``parameters`` searches."""
    space: dict[str, dict[str, Any]] = default_of("searchSpaces", architecture)
    return space


def parameter_problems(architecture: Architecture, params: dict[str, Any]) -> list[tuple[str, str]]:
    """Rules between parameters the schema cannot state, as ``(parameter, message)``.

    One implementation: the compiler reports them at the spec's line, the runtime raises
    them for a hand-written ``model_config``.
    """
    problems: list[tuple[str, str]] = []
    filters, kernels = params.get("filters"), params.get("kernel_sizes")
    if architecture == "fcn" and isinstance(filters, list) and isinstance(kernels, list):
        if len(filters) != len(kernels):
            problems.append((
                "kernel_sizes",
                f"fcn models need one kernel size per filters element: {len(filters)} filters, "
                f"{len(kernels)} kernel_sizes",
            ))
    return problems
