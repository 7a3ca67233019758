"""The ``model_config`` section: defaults, validation and dotted-path overrides.

The compiler fills these defaults before it serialises ``model_config``; the runtime fills
them again so that a hand-written config (``ideko baseline``, a Katib trial run by hand) means
exactly the same thing. Every problem becomes a :class:`ConfigError` with the path at fault.
"""

from __future__ import annotations

import copy
import math
from typing import Any

ARCHITECTURES: tuple[str, ...] = ("dense", "cnn", "rnn", "lstm", "gru")
OPTIMIZERS: tuple[str, ...] = (
    "adam", "adamw", "sgd", "rmsprop", "adagrad", "adadelta", "adamax", "nadam",
)  # fmt: skip
MASKING_MODES: tuple[str, ...] = ("original", "mask-aware")

MODEL_DEFAULTS: dict[str, Any] = {"dropout": 0.0, "masking": "original"}
TRAINING_DEFAULTS: dict[str, Any] = {
    "optimizer": "adam",
    "learning_rate": None,  # None: the optimizer's own Keras default (adam: 0.001)
    "patience": 10,
    "min_delta": 1e-4,
    "validation_split": 0.2,
}
# The layer-list parameter each architecture needs (the original models.yaml keys).
LAYER_KEY: dict[str, str] = {
    "dense": "units",
    "cnn": "filters",
    "rnn": "hidden_units",
    "lstm": "hidden_units",
    "gru": "hidden_units",
}


class ConfigError(ValueError):
    """A model config or override that cannot be used; the message names the path."""


def normalise_model_config(config: dict[str, Any]) -> dict[str, Any]:
    """Return a validated deep copy of ``config`` with every runtime default filled in."""
    if not isinstance(config, dict):
        raise ConfigError("model_config must be a JSON object")
    out = copy.deepcopy(config)
    arch = out.get("architecture")
    if arch not in ARCHITECTURES:
        raise ConfigError(f"architecture: {arch!r} is not one of {', '.join(ARCHITECTURES)}")
    for section in ("name_parameters", "model_parameters", "training_parameters"):
        if not isinstance(out.setdefault(section, {}), dict):
            raise ConfigError(f"{section}: must be an object")
    name = out.setdefault("name", arch)
    out.setdefault("key", name)
    names = out["name_parameters"]
    names.setdefault("folder_name", str(name).replace("-", "_"))
    names.setdefault("model_name", f"model_{names['folder_name']}.keras")
    if not str(names["model_name"]).endswith(".keras"):
        raise ConfigError("name_parameters.model_name: must end with .keras")
    model = out["model_parameters"]
    for key, value in MODEL_DEFAULTS.items():
        model.setdefault(key, value)
    training = out["training_parameters"]
    for key, value in TRAINING_DEFAULTS.items():
        training.setdefault(key, value)
    _check_model_parameters(arch, model)
    _check_training_parameters(training)
    return out


def _check_model_parameters(arch: str, params: dict[str, Any]) -> None:
    layer_key = LAYER_KEY[arch]
    layers = params.get(layer_key)
    if not isinstance(layers, list) or not layers:
        raise ConfigError(f"model_parameters.{layer_key}: {arch} needs a non-empty list")
    for index, size in enumerate(layers):
        _positive_int(size, f"model_parameters.{layer_key}.{index}")
    if not isinstance(params.get("activation_function"), str):
        raise ConfigError("model_parameters.activation_function: must be a Keras activation name")
    if arch == "cnn":
        _positive_int(params.get("kernel_size"), "model_parameters.kernel_size")
        _positive_int(params.get("pool_size"), "model_parameters.pool_size")
    dropout = params["dropout"]
    if not _is_number(dropout) or not 0.0 <= float(dropout) < 1.0:
        raise ConfigError(f"model_parameters.dropout: {dropout!r} must be in [0, 1)")
    if params["masking"] not in MASKING_MODES:
        raise ConfigError(
            f"model_parameters.masking: {params['masking']!r} is not one of "
            f"{', '.join(MASKING_MODES)}"
        )


def _check_training_parameters(params: dict[str, Any]) -> None:
    _positive_int(params.get("epochs"), "training_parameters.epochs")
    _positive_int(params.get("batch_size"), "training_parameters.batch_size")
    if params["optimizer"] not in OPTIMIZERS:
        raise ConfigError(
            f"training_parameters.optimizer: {params['optimizer']!r} is not one of "
            f"{', '.join(OPTIMIZERS)}"
        )
    rate = params["learning_rate"]
    if rate is not None and (not _is_number(rate) or float(rate) <= 0):
        raise ConfigError(f"training_parameters.learning_rate: {rate!r} must be > 0")
    _non_negative_int(params["patience"], "training_parameters.patience")
    if not _is_number(params["min_delta"]) or float(params["min_delta"]) < 0:
        raise ConfigError("training_parameters.min_delta: must be a number >= 0")
    split = params["validation_split"]
    if not _is_number(split) or not 0.0 < float(split) < 1.0:
        raise ConfigError(f"training_parameters.validation_split: {split!r} must be in (0, 1)")


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def _positive_int(value: Any, path: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ConfigError(f"{path}: {value!r} must be a positive integer")


def _non_negative_int(value: Any, path: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ConfigError(f"{path}: {value!r} must be an integer >= 0")


def parse_scalar(text: str) -> int | float | str:
    """Parse an override value the way Katib substitutes it: int, then float, else string."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        return text
    if not math.isfinite(value):
        raise ConfigError(f"override value {text!r} is not a finite number")
    return value


def parse_assignment(text: str) -> tuple[str, int | float | str]:
    """Split one ``--set PATH=VALUE`` argument."""
    path, sep, value = text.partition("=")
    if not sep or not path.strip():
        raise ConfigError(f"--set {text!r}: expected PATH=VALUE, e.g. training_parameters.epochs=5")
    return path.strip(), parse_scalar(value.strip())


def apply_overrides(config: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of ``config`` with each dotted path replaced by its value.

    Paths must name an existing parameter (list elements by index) under
    ``model_parameters`` or ``training_parameters``; a typo is an error, not a new key.
    ``learning_rate`` may be set even when it is still the ``None`` default.
    """
    out = copy.deepcopy(config)
    for path, value in overrides.items():
        parts = str(path).split(".")
        if parts[0] not in ("model_parameters", "training_parameters") or len(parts) < 2:
            raise ConfigError(
                f"override {path!r}: must start with model_parameters. or training_parameters."
            )
        node: Any = out
        for depth, part in enumerate(parts[:-1]):
            node = _child(node, part, ".".join(parts[: depth + 1]), path)
        _assign(node, parts[-1], value, path)
    return out


def _child(node: Any, part: str, where: str, path: str) -> Any:
    if isinstance(node, dict):
        if part not in node:
            raise ConfigError(f"override {path!r}: {where!r} does not exist in the model config")
        return node[part]
    if isinstance(node, list):
        index = _index(part, len(node), path)
        return node[index]
    raise ConfigError(f"override {path!r}: {where!r} is not an object or a list")


def _assign(node: Any, last: str, value: Any, path: str) -> None:
    if isinstance(node, dict):
        if last not in node:
            raise ConfigError(f"override {path!r}: {last!r} does not exist in the model config")
        node[last] = value
    elif isinstance(node, list):
        node[_index(last, len(node), path)] = value
    else:
        raise ConfigError(f"override {path!r}: parent is not an object or a list")


def _index(part: str, length: int, path: str) -> int:
    if not part.isdigit() or int(part) >= length:
        raise ConfigError(f"override {path!r}: {part!r} is not an index below {length}")
    return int(part)
