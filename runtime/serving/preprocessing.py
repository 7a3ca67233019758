"""Raw series -> the model's input tensor, exactly as the preprocess step shaped its data.

Everything comes from the dataset metadata the model was trained on: the indicators (and
their order), the per-indicator scaling fitted on the train split, the padding value and
side, and the padded length (the Keras input length). The transforms are the data layer's
own (:mod:`ideko.runtime.data.preprocess`), so serving cannot drift from training.

Requests are checked before anything is transformed, and each problem is one sentence
naming the series: a wrong number of indicators, a series longer than the model's length
(the length policy of this metadata does not truncate), NaN or infinite values (training
replaced them with the padding value only when the quality gate allowed them; a serving
request with one is a sensor fault the caller must see), an empty series or batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from ideko.runtime.data import preprocess as ops


class InputError(ValueError):
    """A request the model cannot answer; its message is what the client reads."""


class UnsupportedPreprocessing(ValueError):
    """Dataset metadata asking for a transform this server does not apply."""


@dataclass(frozen=True)
class Preprocessing:
    """The transform of one model, read from its dataset metadata."""

    indicators: tuple[str, ...]
    classes: tuple[str, ...]
    padding_value: float
    padding_side: str
    length: int
    scaling: dict[str, Any]

    @classmethod
    def from_metadata(cls, metadata: dict[str, Any]) -> Preprocessing:
        """Read the sidecar; refuse one declaring a transform not applied here.

        Serving a model without one of its transforms would answer every request wrongly
        and silently, so an unknown ``preprocessing`` section is a load error.
        """
        extra = metadata.get("preprocessing")
        if extra:
            raise UnsupportedPreprocessing(
                f"the dataset metadata declares preprocessing {sorted(extra)} that this "
                "model server does not apply"
            )
        padding = metadata["padding"]
        if "length" not in padding:
            raise UnsupportedPreprocessing("the dataset metadata records no padding length")
        scaling = dict(metadata.get("scaling") or {"method": "none"})
        if scaling.get("method", "none") not in ("none", "standard", "minmax"):
            raise UnsupportedPreprocessing(f"unknown scaling {scaling.get('method')!r}")
        return cls(
            indicators=tuple(metadata["indicators"]),
            classes=tuple(metadata["classes"]),
            padding_value=float(padding["value"]),
            padding_side=str(padding["side"]),
            length=int(padding["length"]),
            scaling=scaling,
        )

    def describe(self) -> str:
        return f"{len(self.indicators)} indicators ({', '.join(self.indicators)}, in this order)"

    def check(self, series: Sequence[np.ndarray]) -> None:
        """Raise :class:`InputError` for the first problem of the first bad series."""
        if not series:
            raise InputError("empty batch: send at least one series")
        width = len(self.indicators)
        for index, values in enumerate(series):
            if values.ndim != 2:
                raise InputError(
                    f"series {index} must be a list of points, each with {self.describe()}"
                )
            if values.shape[1] != width:
                raise InputError(
                    f"series {index} has {values.shape[1]} indicator(s) per point; this model "
                    f"takes {self.describe()}"
                )
            if values.shape[0] == 0:
                raise InputError(f"series {index} has no points")
            if values.shape[0] > self.length:
                raise InputError(
                    f"series {index} has {values.shape[0]} points; this model takes at most "
                    f"{self.length} (its padded length; the length policy does not truncate)"
                )
            bad = ~np.isfinite(values)
            if bad.any():
                point, column = (int(i) for i in np.argwhere(bad)[0])
                raise InputError(
                    f"series {index} has {int(bad.sum())} NaN or infinite value(s), the first "
                    f"at point {point} of {self.indicators[column]}; send finite numbers"
                )

    def transform(self, series: Sequence[np.ndarray]) -> np.ndarray:
        """Checked raw series (points x indicators, model order) -> (n, length, indicators)."""
        self.check(series)
        as_float = [np.asarray(s, dtype=np.float32) for s in series]
        scaled = ops.apply_scaler(as_float, self.scaling)
        return ops.pad_series(
            scaled, value=self.padding_value, side=self.padding_side, maxlen=self.length
        )
