"""The Inception network of InceptionTime (Ismail Fawaz et al. 2020, "InceptionTime: finding
AlexNet for time series classification"), one network rather than the paper's ensemble of five.

One module per ``filters`` element (the paper: six of 32). A module reduces its input to
``bottleneck_size`` channels with a 1x1 convolution (skipped for a one-channel input, as the
paper does), runs one convolution per ``kernel_sizes`` element on it (the paper: 40/20/10)
beside a 3-wide max pool of the module's input followed by a 1x1 convolution, concatenates
the branches, then batch normalisation and the activation. Every
:data:`~ideko.schema.architectures.INCEPTION_RESIDUAL_EVERY` modules a shortcut (1x1
convolution + batch normalisation of the input three modules back) is added before the
activation. Global average pooling over time (real steps only when mask-aware) feeds the
softmax head. Padded steps never win the max pool of a mask-aware model.
"""

from __future__ import annotations

from typing import Any

from ideko.runtime.training import conv_blocks
from ideko.schema.architectures import INCEPTION_RESIDUAL_EVERY


def _max_pool(x: Any, keep: Any) -> Any:
    import keras
    from ideko.runtime.training.masked_layers import MaskedMaxPooling1D

    if keep is None:
        return keras.layers.MaxPooling1D(3, strides=1, padding="same")(x)
    return MaskedMaxPooling1D(3)([x, keep])


def _module(x: Any, keep: Any, filters: int, params: dict[str, Any]) -> Any:
    import keras

    reduced = x
    if int(x.shape[-1]) > 1:
        reduced = conv_blocks.conv(x, int(params["bottleneck_size"]), 1, use_bias=False)
    branches = [
        conv_blocks.conv(reduced, filters, int(kernel), use_bias=False)
        for kernel in params["kernel_sizes"]
    ]
    branches.append(conv_blocks.conv(_max_pool(x, keep), filters, 1, use_bias=False))
    joined = keras.layers.Concatenate(axis=-1)(branches)
    return conv_blocks.batch_norm(joined, keep)


def inception_body(x: Any, arch: str, sizes: list[int], params: dict[str, Any]) -> Any:
    """``sizes`` are the filters per branch of each module."""
    import keras

    activation = params["activation_function"]
    x, keep = conv_blocks.split_mask(x, params)
    residual = x
    for index, filters in enumerate(sizes):
        x = _module(x, keep, filters, params)
        if (index + 1) % INCEPTION_RESIDUAL_EVERY == 0:
            shortcut = conv_blocks.conv(residual, int(x.shape[-1]), 1, use_bias=False)
            x = keras.layers.Add()([x, conv_blocks.batch_norm(shortcut, keep)])
            x = conv_blocks.activate(x, keep, activation)
            residual = x
        else:
            x = conv_blocks.activate(x, keep, activation)
        x = conv_blocks.dropout(x, keep, params)
    return conv_blocks.global_average(x, keep)
