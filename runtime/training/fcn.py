"""The fully convolutional network (FCN) of Wang et al. 2017, "Time series classification
from scratch with deep neural networks: a strong baseline".

One block per ``filters`` element: ``Conv1D(filters[i], kernel_sizes[i])`` → batch
normalisation → activation (the paper: 128/256/128 filters, kernels 8/5/3, ReLU); then
global average pooling over time (real steps only when mask-aware) feeds the softmax head.
No pooling between blocks, no dense layer: the paper's design.
"""

from __future__ import annotations

from typing import Any

from ideko.runtime.training import conv_blocks


def fcn_body(x: Any, arch: str, sizes: list[int], params: dict[str, Any]) -> Any:
    """``sizes`` are the filters of the blocks; ``kernel_sizes`` has one kernel per block."""
    x, keep = conv_blocks.split_mask(x, params)
    for filters, kernel in zip(sizes, params["kernel_sizes"], strict=True):
        x = conv_blocks.conv_bn_act(x, keep, filters, int(kernel), params["activation_function"])
        x = conv_blocks.dropout(x, keep, params)
    return conv_blocks.global_average(x, keep)
