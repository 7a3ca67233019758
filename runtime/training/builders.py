"""Keras model builders: the original architectures here, fcn/resnet/inception in their modules.

Every model starts with ``Masking(mask_value=<padding value>)`` and ends with
``Dense(n_classes, softmax)``:

- ``dense``: one ``Dense(u, activation)`` per ``units`` element, then ``Flatten``;
- ``cnn``: one ``Conv1D(f, kernel_size, padding="same", activation)`` + ``MaxPooling1D(pool_size)``
  per ``filters`` element, then ``Flatten``;
- ``rnn`` / ``lstm`` / ``gru``: stacked ``SimpleRNN`` / ``LSTM`` / ``GRU(h, activation)``, all
  but the last returning sequences;
- ``fcn`` / ``resnet`` / ``inception``: the time-series convolutional networks of
  :mod:`~ideko.runtime.training.fcn`, :mod:`~ideko.runtime.training.resnet` and
  :mod:`~ideko.runtime.training.inception`, ending in a global average over real steps.

``dropout > 0`` adds a ``Dropout`` after each block.

Masking modes:

- ``original`` (default) reproduces the original models exactly. In Keras 3, ``Dense`` keeps
  the mask but ``Conv1D`` and ``Flatten`` drop it (Keras warns "does not support masking and
  will therefore destroy the mask information"): the dense and CNN models do see the padded
  steps. That warning is expected, silenced, and reported once in ``BuiltModel.notes``.
- ``mask-aware`` keeps padding out of dense and CNN models: dense applies its ``Dense`` layers
  per step (both keep the mask) and averages over real steps only
  (``GlobalAveragePooling1D`` honours the mask) instead of ``Flatten``; CNN uses
  :class:`~ideko.runtime.training.layers.MaskedConvPool1D` blocks (zeroed inputs, padded steps
  excluded from the max, pooled mask) and the same masked average. Recurrent models already
  skip masked steps, so both modes build the same recurrent network.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ideko.runtime.training.config import ConfigError
from ideko.runtime.training.environment import MASK_WARNING
from ideko.runtime.training.fcn import fcn_body
from ideko.runtime.training.inception import inception_body
from ideko.runtime.training.resnet import resnet_body
from ideko.schema.architectures import Architecture, layer_key


@dataclass
class BuiltModel:
    """A compiled Keras model plus the notes worth recording (e.g. dropped masks)."""

    model: Any
    notes: list[str] = field(default_factory=list)


def build_model(
    config: dict[str, Any],
    input_shape: tuple[int, int],
    n_classes: int,
    padding_value: float = 0.0,
) -> BuiltModel:
    """Build and compile the model described by a normalised ``model_config``."""
    import keras

    arch = config["architecture"]
    params = config["model_parameters"]
    try:
        keras.activations.get(params["activation_function"])
    except ValueError as exc:
        raise ConfigError(
            f"model_parameters.activation_function: {params['activation_function']!r} "
            "is not a Keras activation"
        ) from exc
    with warnings.catch_warnings(record=True) as caught:
        warnings.filterwarnings("always", message=MASK_WARNING)
        inputs = keras.Input(shape=input_shape, name="series")
        x = keras.layers.Masking(mask_value=float(padding_value), name="masking")(inputs)
        sizes = [int(size) for size in params[layer_key(arch)]]
        x = BODIES[arch](x, arch, sizes, params)
        outputs = keras.layers.Dense(n_classes, activation="softmax", name="classes")(x)
        model = keras.Model(inputs, outputs, name=str(config.get("name", arch)))
    dropped = sorted({_layer_type(w) for w in caught if _is_mask(w)})
    for w in caught:
        if not _is_mask(w):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    model.compile(
        optimizer=make_optimizer(config["training_parameters"]),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    notes = [f"{kind} drops the padding mask (masking: original)" for kind in dropped]
    return BuiltModel(model, notes)


def _is_mask(w: warnings.WarningMessage) -> bool:
    return "does not support masking" in str(w.message)


def _layer_type(w: warnings.WarningMessage) -> str:
    found = re.search(r"of type (\w+)", str(w.message))
    return found.group(1) if found else "a layer"


def _dropout(x: Any, params: dict[str, Any]) -> Any:
    import keras

    rate = float(params.get("dropout", 0.0))
    return keras.layers.Dropout(rate)(x) if rate > 0 else x


def _dense_body(x: Any, arch: Architecture, sizes: list[int], params: dict[str, Any]) -> Any:
    import keras

    for units in sizes:
        x = keras.layers.Dense(units, activation=params["activation_function"])(x)
        x = _dropout(x, params)
    if params["masking"] == "mask-aware":
        # Dense and Dropout keep the mask; the average then counts real steps only.
        return keras.layers.GlobalAveragePooling1D()(x)
    return keras.layers.Flatten()(x)


def _cnn_body(x: Any, arch: Architecture, sizes: list[int], params: dict[str, Any]) -> Any:
    import keras
    from ideko.runtime.training.layers import MaskedConvPool1D

    activation = params["activation_function"]
    kernel, pool = int(params["kernel_size"]), int(params["pool_size"])
    for filters in sizes:
        if params["masking"] == "mask-aware":
            x = MaskedConvPool1D(filters, kernel, pool, activation)(x)
        else:
            x = keras.layers.Conv1D(filters, kernel, padding="same", activation=activation)(x)
            x = keras.layers.MaxPooling1D(pool)(x)
        x = _dropout(x, params)
    if params["masking"] == "mask-aware":
        return keras.layers.GlobalAveragePooling1D()(x)
    return keras.layers.Flatten()(x)


def _recurrent_body(x: Any, arch: Architecture, sizes: list[int], params: dict[str, Any]) -> Any:
    import keras

    layer = {"rnn": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM, "gru": keras.layers.GRU}
    activation = params["activation_function"]
    for index, units in enumerate(sizes):
        last = index == len(sizes) - 1
        x = layer[arch](units, activation=activation, return_sequences=not last)(x)
        x = _dropout(x, params)
    return x


# The network body of each architecture, given its layer sizes (``params[layer_key(arch)]``,
# the layer-list key from ``ideko.schema.architectures``); a test checks every one is here.
Body = Callable[[Any, Architecture, list[int], dict[str, Any]], Any]
BODIES: dict[Architecture, Body] = {
    "dense": _dense_body,
    "cnn": _cnn_body,
    "rnn": _recurrent_body,
    "lstm": _recurrent_body,
    "gru": _recurrent_body,
    "fcn": fcn_body,
    "resnet": resnet_body,
    "inception": inception_body,
}


def make_optimizer(training: dict[str, Any]) -> Any:
    """The Keras optimizer named in ``training_parameters`` (learning rate when given)."""
    import keras

    classes = {
        "adam": keras.optimizers.Adam,
        "adamw": keras.optimizers.AdamW,
        "sgd": keras.optimizers.SGD,
        "rmsprop": keras.optimizers.RMSprop,
        "adagrad": keras.optimizers.Adagrad,
        "adadelta": keras.optimizers.Adadelta,
        "adamax": keras.optimizers.Adamax,
        "nadam": keras.optimizers.Nadam,
    }
    rate = training.get("learning_rate")
    cls = classes[training["optimizer"]]
    return cls() if rate is None else cls(learning_rate=float(rate))
