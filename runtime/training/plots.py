"""PNG figures (matplotlib, headless Agg backend): training curves and confusion matrices."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _png(fig: Any) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    _pyplot().close(fig)
    return buffer.getvalue()


def history_png(history: Mapping[str, Sequence[float]], title: str = "") -> bytes:
    """Loss and accuracy per epoch, training vs validation, as PNG bytes."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(8, 3))
    for ax, metric in zip(axes, ("loss", "accuracy"), strict=True):
        for key, label in ((metric, "training"), (f"val_{metric}", "validation")):
            values = list(history.get(key, []))
            if values:
                ax.plot(range(1, len(values) + 1), values, marker="o", label=label)
        ax.set_xlabel("epoch")
        ax.set_title(metric)
        ax.legend(loc="best")
    if title:
        fig.suptitle(title)
    return _png(fig)


def confusion_matrix_png(
    matrix: Sequence[Sequence[int]], labels: Sequence[str], title: str = ""
) -> bytes:
    """A labelled confusion-matrix heatmap (rows true, columns predicted) as PNG bytes."""
    plt = _pyplot()
    size = max(3.0, 1.2 * len(labels) + 1.5)
    fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    peak = max((max(row) for row in matrix), default=0)
    for i, row in enumerate(matrix):
        for j, count in enumerate(row):
            colour = "white" if peak and count > peak / 2 else "black"
            ax.text(j, i, str(count), ha="center", va="center", color=colour)
    if title:
        ax.set_title(title)
    return _png(fig)
