"""The ``model_config`` contract on read: defaults for hand-written configs, validation, overrides.

A compiled ``model_config`` already has every default (the compiler fills them); reading it
adds nothing. A hand-written one (``ideko baseline``, a Katib trial run by hand) gets the
defaults of :mod:`ideko.schema.defaults` and the names of :mod:`ideko.schema.names`, so it
means exactly what the same model in a spec means. The document is then checked against
``schema/contracts/model_config.schema.json``; every problem is a :class:`ConfigError` with
the path at fault.
"""

from __future__ import annotations

import copy
import math
from typing import Any

from ideko.runtime.document_files import checked_object
from ideko.schema.architectures import (
    ARCHITECTURES,
    MASKING_MODES,
    OPTIMIZERS,
    layer_key,
    model_parameter_defaults,
    parameter_problems,
    training_parameter_defaults,
)
from ideko.schema.assignments import parse_scalar as _parse_scalar
from ideko.schema.assignments import split_assignment
from ideko.schema.documents import DocumentError, check_document
from ideko.schema.names import default_name_parameters, k8s_name

__all__ = [
    "ARCHITECTURES",
    "MASKING_MODES",
    "OPTIMIZERS",
    "ConfigError",
    "apply_overrides",
    "normalise_model_config",
    "parse_assignment",
    "parse_scalar",
]



class ConfigError(ValueError):
    """A model config or override that cannot be used; the message names the path."""


def normalise_model_config(config: dict[str, Any]) -> dict[str, Any]:
    """Return a validated deep copy of ``config``; defaults filled only where missing."""
    checked_object(config, "model_config", ConfigError)
    out = copy.deepcopy(config)
    arch = out.get("architecture")
    if arch not in ARCHITECTURES:
        raise ConfigError(f"architecture: {arch!r} is not one of {', '.join(ARCHITECTURES)}")
    for section in ("name_parameters", "model_parameters", "training_parameters"):
        if not isinstance(out.setdefault(section, {}), dict):
            raise ConfigError(f"{section}: must be an object")
    key = str(out.get("key") or out.get("name") or arch)
    out.setdefault("name", k8s_name(key))
    out.setdefault("key", key)
    out["name_parameters"] = _filled(out["name_parameters"], default_name_parameters(key))
    names = out["name_parameters"]
    if not str(names["model_name"]).endswith(".keras"):
        raise ConfigError("name_parameters.model_name: must end with .keras")
    out["model_parameters"] = _filled(out["model_parameters"], model_parameter_defaults(arch))
    out["training_parameters"] = _filled(
        out["training_parameters"], training_parameter_defaults(arch)
    )
    _check_model_parameters(arch, out["model_parameters"])
    _check_training_parameters(out["training_parameters"])
    try:
        return check_document("model_config", out)
    except DocumentError as exc:
        raise ConfigError(str(exc)) from exc


def _filled(given: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """``given`` in its own key order, then the defaults it does not set."""
    return {**given, **{k: v for k, v in defaults.items() if k not in given}}


def _check_model_parameters(arch: str, params: dict[str, Any]) -> None:
    layers_key = layer_key(arch)
    layers = params.get(layers_key)
    if not isinstance(layers, list) or not layers:
        raise ConfigError(f"model_parameters.{layers_key}: {arch} needs a non-empty list")
    for index, size in enumerate(layers):
        _positive_int(size, f"model_parameters.{layers_key}.{index}")
    if not isinstance(params.get("activation_function"), str):
        raise ConfigError("model_parameters.activation_function: must be a Keras activation name")
    if arch == "cnn":
        _positive_int(params.get("kernel_size"), "model_parameters.kernel_size")
        _positive_int(params.get("pool_size"), "model_parameters.pool_size")
    for name in ("kernel_sizes",) if arch in ("fcn", "resnet", "inception") else ():
        sizes = params.get(name)
        if not isinstance(sizes, list) or not sizes:
            raise ConfigError(f"model_parameters.{name}: {arch} needs a non-empty list")
        for index, size in enumerate(sizes):
            _positive_int(size, f"model_parameters.{name}.{index}")
    if arch == "inception":
        _positive_int(params.get("bottleneck_size"), "model_parameters.bottleneck_size")
    for name, problem in parameter_problems(arch, params):
        raise ConfigError(f"model_parameters.{name}: {problem}")
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
        return _parse_scalar(text)
    except ValueError as exc:
        raise ConfigError(f"override {exc}") from exc


def parse_assignment(text: str) -> tuple[str, int | float | str]:
    """Split one ``--set PATH=VALUE`` argument."""
    try:
        path, value = split_assignment(text)
    except ValueError:
        raise ConfigError(
            f"--set {text!r}: expected PATH=VALUE, e.g. training_parameters.epochs=5"
        ) from None
    return path, parse_scalar(value.strip())


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
