"""The residual network (ResNet) of Wang et al. 2017, as reviewed by Ismail Fawaz et al. 2019.

One residual block per ``filters`` element (the paper: 64/128/128). A block is one
convolution per ``kernel_sizes`` element (the paper: 8/5/3), each followed by batch
normalisation and, but for the last, the activation; a shortcut (a 1x1 convolution and batch
normalisation when the channel count changes, batch normalisation alone otherwise) is added
to the block's output before its final activation. Global average pooling over time (real
steps only when mask-aware) feeds the softmax head.
"""

from __future__ import annotations

from typing import Any

from ideko.runtime.training import conv_blocks


def _residual_block(x: Any, keep: Any, filters: int, kernels: list[int], activation: str) -> Any:
    import keras

    y = x
    for index, kernel in enumerate(kernels):
        y = conv_blocks.batch_norm(conv_blocks.conv(y, filters, int(kernel)), keep)
        if index < len(kernels) - 1:
            y = conv_blocks.activate(y, keep, activation)
    shortcut = x if int(x.shape[-1]) == filters else conv_blocks.conv(x, filters, 1)
    shortcut = conv_blocks.batch_norm(shortcut, keep)
    return conv_blocks.activate(keras.layers.Add()([y, shortcut]), keep, activation)


def resnet_body(x: Any, arch: str, sizes: list[int], params: dict[str, Any]) -> Any:
    """``sizes`` are the filters of the residual blocks."""
    x, keep = conv_blocks.split_mask(x, params)
    kernels = [int(k) for k in params["kernel_sizes"]]
    for filters in sizes:
        x = _residual_block(x, keep, filters, kernels, params["activation_function"])
        x = conv_blocks.dropout(x, keep, params)
    return conv_blocks.global_average(x, keep)
