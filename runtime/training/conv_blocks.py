"""Building blocks shared by the fcn, resnet and inception bodies, padding-aware or not.

Each takes ``keep``: the ``(batch, steps, 1)`` real-step tensor of
:class:`~ideko.runtime.training.masked_layers.StepMask` (``masking: mask-aware``), or
``None`` (``masking: original``: padded steps are seen as values, as IDEKO's CNN sees them).
"""

from __future__ import annotations

from typing import Any

# Moving-average momentum of every batch normalisation (Keras' default is 0.99). Small
# training sets give a few batches per epoch (ItalyPowerDemand: 4), and with 0.99 the
# inference statistics lag the batch statistics for tens of epochs: measured on
# ItalyPowerDemand (FCN, batch 16), test accuracy in inference mode stayed at 0.50-0.52 after
# 10 and 20 epochs while training accuracy was 1.0, so early stopping and the best-epoch
# checkpoint saw a model that had not learnt. With 0.9 (PyTorch's 0.1) the same run reached
# 0.949 after 10 epochs and 0.960 after 20 (published FCN: 0.961).
BN_MOMENTUM = 0.9


def split_mask(x: Any, params: dict[str, Any]) -> tuple[Any, Any]:
    """``(features, keep)``: the padding mask made explicit when the model is mask-aware."""
    if params["masking"] != "mask-aware":
        return x, None
    from ideko.runtime.training.masked_layers import StepMask

    features, keep = StepMask()(x)
    return features, keep


def conv(x: Any, filters: int, kernel: int, use_bias: bool = True) -> Any:
    """A linear ``Conv1D(padding="same")``: normalisation and activation come after it."""
    import keras

    return keras.layers.Conv1D(filters, kernel, padding="same", use_bias=use_bias)(x)


def batch_norm(x: Any, keep: Any) -> Any:
    """Batch normalisation over real steps only (padded steps left at zero) when masked."""
    import keras
    from ideko.runtime.training.masked_layers import MaskedBatchNormalization

    if keep is None:
        return keras.layers.BatchNormalization(momentum=BN_MOMENTUM)(x)
    return MaskedBatchNormalization(momentum=BN_MOMENTUM)([x, keep])


def activate(x: Any, keep: Any, activation: str) -> Any:
    """The activation, then padded steps back to zero (an activation may move them)."""
    import keras
    from ideko.runtime.training.masked_layers import ZeroPadded

    x = keras.layers.Activation(activation)(x)
    return x if keep is None else ZeroPadded()([x, keep])


def conv_bn_act(x: Any, keep: Any, filters: int, kernel: int, activation: str) -> Any:
    """Convolution, batch normalisation, activation: the block of Wang et al. 2017."""
    return activate(batch_norm(conv(x, filters, kernel), keep), keep, activation)


def global_average(x: Any, keep: Any) -> Any:
    """Average over time; over real steps only when masked."""
    import keras
    from ideko.runtime.training.masked_layers import MaskedGlobalAveragePooling1D

    if keep is None:
        return keras.layers.GlobalAveragePooling1D()(x)
    return MaskedGlobalAveragePooling1D()([x, keep])


def dropout(x: Any, keep: Any, params: dict[str, Any]) -> Any:
    """The spec's ``dropout`` after a block (dropped padded zeros stay zero)."""
    import keras

    rate = float(params.get("dropout", 0.0))
    return keras.layers.Dropout(rate)(x) if rate > 0 else x
