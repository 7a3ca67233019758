"""Keras layers that keep padded steps out of the time-series convolutional networks.

fcn, resnet and inception (``masking: mask-aware``) take the padding mask out of Keras'
implicit mask propagation once, as an explicit ``(batch, steps, 1)`` tensor of 1.0 (real step)
and 0.0 (padded step), and hand it to every layer that must know: features are zeroed on
padded steps before each convolution (so ``same`` padding and real padding look alike),
batch statistics and the global average count real steps only, and a max pool never lets a
padded step win. Registered under the ``ideko`` package so saved ``.keras`` files load once
this module is imported (``ideko.runtime.training.layers`` imports it).
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

_LOW = -1e9  # what a padded step holds inside a max pool: it never wins a mixed window


@keras.saving.register_keras_serializable(package="ideko")
class StepMask(keras.layers.Layer):
    """``x -> [x zeroed on padded steps, keep]``; the implicit mask ends here (no warning)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs: Any, mask: Any = None) -> list[Any]:
        if mask is None:
            keep = ops.ones_like(inputs[..., :1])
        else:
            keep = ops.expand_dims(ops.cast(mask, inputs.dtype), -1)
        return [inputs * keep, keep]

    def compute_mask(self, inputs: Any, mask: Any = None) -> list[None]:
        return [None, None]

    def compute_output_shape(self, input_shape: Any) -> list[Any]:
        return [tuple(input_shape), (*tuple(input_shape)[:-1], 1)]


@keras.saving.register_keras_serializable(package="ideko")
class ZeroPadded(keras.layers.Layer):
    """``[x, keep] -> x * keep``: padded steps back to zero after a layer shifted them."""

    def call(self, inputs: list[Any]) -> Any:
        x, keep = inputs
        return x * ops.cast(keep, x.dtype)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape[0])


@keras.saving.register_keras_serializable(package="ideko")
class MaskedBatchNormalization(keras.layers.Layer):
    """``[x, keep] ->`` batch normalisation whose batch statistics count real steps only
    (Keras' own ``mask`` argument), with padded steps put back to zero."""

    def __init__(self, momentum: float = 0.99, center: bool = True, scale: bool = True,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.momentum, self.center, self.scale = momentum, center, scale
        self.norm = keras.layers.BatchNormalization(momentum=momentum, center=center,
                                                    scale=scale)

    def build(self, input_shape: Any) -> None:
        self.norm.build(tuple(input_shape[0]))
        self.built = True

    def call(self, inputs: list[Any], training: Any = None) -> Any:
        x, keep = inputs
        keep = ops.cast(keep, x.dtype)
        real = ops.squeeze(keep, -1) > 0
        return self.norm(x, training=training, mask=real) * keep

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape[0])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "momentum": self.momentum, "center": self.center,
                "scale": self.scale}


@keras.saving.register_keras_serializable(package="ideko")
class MaskedMaxPooling1D(keras.layers.Layer):
    """Max pool with stride 1 and ``same`` padding over real steps only (Inception's branch)."""

    def __init__(self, pool_size: int = 3, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pool_size = pool_size

    def call(self, inputs: list[Any]) -> Any:
        x, keep = inputs
        keep = ops.cast(keep, x.dtype)
        low = x * keep + (1.0 - keep) * _LOW
        return ops.max_pool(low, self.pool_size, 1, "same") * keep

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape[0])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "pool_size": self.pool_size}


@keras.saving.register_keras_serializable(package="ideko")
class MaskedGlobalAveragePooling1D(keras.layers.Layer):
    """``[x, keep] -> mean of x over the real steps`` (an all-padded series gives zeros)."""

    def call(self, inputs: list[Any]) -> Any:
        x, keep = inputs
        keep = ops.cast(keep, x.dtype)
        total = ops.sum(x * keep, axis=1)
        return total / ops.maximum(ops.sum(keep, axis=1), 1.0)

    def compute_output_shape(self, input_shape: Any) -> Any:
        shape = tuple(input_shape[0])
        return (shape[0], shape[-1])
