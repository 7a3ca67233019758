"""Custom Keras layer for ``masking: "mask-aware"`` models.

Keras 3's ``Conv1D``, ``MaxPooling1D`` and ``Flatten`` do not support masks: the original
models therefore see the padded steps after their first convolution (or after ``Flatten``).
This layer keeps the padding out instead. It is registered under the ``ideko`` package
so a saved ``.keras`` file loads once this module is imported (the evaluator does so).
"""

from __future__ import annotations

from typing import Any

# The padding-aware layers of fcn/resnet/inception register themselves when imported.
import ideko.runtime.training.masked_layers  # noqa: F401
import keras
from keras import ops


@keras.saving.register_keras_serializable(package="ideko")
class MaskedConvPool1D(keras.layers.Layer):
    """``Conv1D(padding="same")`` + ``MaxPooling1D`` that ignore padded steps.

    Padded inputs are zeroed before the convolution (so ``same`` padding and real padding
    look alike), padded outputs are excluded from the max, and the mask is pooled with the
    same window: a pooled step is real when any step in its window was real.
    """

    def __init__(
        self,
        filters: int,
        kernel_size: int,
        pool_size: int,
        activation: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.filters = filters
        self.kernel_size = kernel_size
        self.pool_size = pool_size
        self.activation = activation
        self.supports_masking = True
        self.conv = keras.layers.Conv1D(filters, kernel_size, padding="same", activation=activation)
        self.pool = keras.layers.MaxPooling1D(pool_size)

    def build(self, input_shape: Any) -> None:
        self.conv.build(input_shape)
        self.built = True

    def _pooled_mask(self, mask: Any) -> Any:
        as_float = ops.expand_dims(ops.cast(mask, "float32"), -1)
        return ops.squeeze(ops.max_pool(as_float, self.pool_size, self.pool_size, "valid"), -1) > 0

    def call(self, inputs: Any, mask: Any = None) -> Any:
        if mask is None:
            return self.pool(self.conv(inputs))
        keep = ops.expand_dims(ops.cast(mask, inputs.dtype), -1)
        features = self.conv(inputs * keep)
        # Padded steps get a very low value so they never win the max of a mixed window.
        features = features * keep + (1.0 - keep) * -1e9
        pooled = self.pool(features)
        pooled_keep = ops.expand_dims(ops.cast(self._pooled_mask(mask), pooled.dtype), -1)
        return pooled * pooled_keep

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return None if mask is None else self._pooled_mask(mask)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return self.pool.compute_output_shape(self.conv.compute_output_shape(input_shape))

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "pool_size": self.pool_size,
            "activation": self.activation,
        }
