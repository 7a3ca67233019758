"""Raw series -> the model's input tensor, exactly as the preprocess step shaped its data.

Everything comes from the dataset metadata the model was trained on: the indicators (and
their order), its ``preprocessing`` section (length policy, per-series normalisation, the
per-indicator scaling fitted on the train split; a sidecar written before that section
existed is read as its ``scaling`` alone), the padding value and side, and the padded
length (the Keras input length). The transforms are the data layer's own
(:func:`ideko.runtime.data.series_transform.apply_preprocessing`,
:func:`ideko.runtime.data.preprocess.pad_series`), so serving cannot drift from training.

Requests are checked before anything is transformed, and each problem is one sentence
naming the series: a wrong number of indicators, a series longer than the model takes (when
the length policy does not truncate or resample it, or it is still longer afterwards), NaN
or infinite values (training replaced them with the padding value only when the quality gate
allowed them; a serving request with one is a sensor fault the caller must see), an empty
series or batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from ideko.runtime.data import series_transform
from ideko.runtime.data.preprocess import pad_series


class InputError(ValueError):
    """A request the model cannot answer; its message is what the client reads."""


class UnsupportedPreprocessing(ValueError):
    """Dataset metadata asking for a transform this server does not apply."""


def _section(metadata: dict[str, Any]) -> dict[str, Any]:
    """The metadata's ``preprocessing`` section, or the one an older sidecar implies."""
    section = metadata.get("preprocessing")
    if section is None:
        return {"scaling": dict(metadata.get("scaling") or {"method": "none"})}
    if not isinstance(section, dict):
        raise UnsupportedPreprocessing("the dataset metadata's preprocessing is not an object")
    order = section.get("order", list(series_transform.ORDER))
    if list(order) != list(series_transform.ORDER):
        # the same steps in another order give other numbers: refuse rather than mis-serve
        raise UnsupportedPreprocessing(
            f"the dataset metadata applies preprocessing in the order {list(order)}; this "
            f"model server applies {', '.join(series_transform.ORDER)}, in that order"
        )
    unknown = sorted(set(section) - {*series_transform.ORDER, "order"})
    if unknown:
        # a transform this server would skip: every answer would be silently wrong
        raise UnsupportedPreprocessing(
            f"the dataset metadata declares preprocessing {unknown} that this model server "
            f"does not apply (it applies {', '.join(series_transform.ORDER)})"
        )
    return section


@dataclass(frozen=True)
class Preprocessing:
    """The transform of one model, read from its dataset metadata."""

    indicators: tuple[str, ...]
    classes: tuple[str, ...]
    padding_value: float
    padding_side: str
    length: int
    section: dict[str, Any]  # the preprocessing section apply_preprocessing reads

    @classmethod
    def from_metadata(cls, metadata: dict[str, Any]) -> Preprocessing:
        """Read the sidecar; refuse one declaring a transform not applied here."""
        section = _section(metadata)
        policy = section.get("length", {}).get("policy", "none")
        if policy not in series_transform.LENGTH_POLICIES:
            raise UnsupportedPreprocessing(f"unknown length policy {policy!r}")
        normalisation = section.get("series_normalisation", "none")
        if normalisation not in series_transform.SERIES_NORMALISATIONS:
            raise UnsupportedPreprocessing(f"unknown series_normalisation {normalisation!r}")
        method = section.get("scaling", {}).get("method", "none")
        if method not in ("none", "standard", "minmax"):
            raise UnsupportedPreprocessing(f"unknown scaling {method!r}")
        padding = metadata["padding"]
        if "length" not in padding:
            raise UnsupportedPreprocessing("the dataset metadata records no padding length")
        return cls(
            indicators=tuple(metadata["indicators"]),
            classes=tuple(metadata["classes"]),
            padding_value=float(padding["value"]),
            padding_side=str(padding["side"]),
            length=int(padding["length"]),
            section=section,
        )

    @property
    def length_policy(self) -> str:
        return str(self.section.get("length", {}).get("policy", "none"))

    @property
    def scaling(self) -> dict[str, Any]:
        return dict(self.section.get("scaling", {"method": "none"}))

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
            if self.length_policy == "none" and values.shape[0] > self.length:
                raise InputError(
                    f"series {index} has {values.shape[0]} points; this model takes at most "
                    f"{self.length} (its padded length; its length policy is none, so longer "
                    "series are refused, not cut)"
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
        shaped = series_transform.apply_preprocessing(series, self.section)
        for index, values in enumerate(shaped):
            if len(values) > self.length:
                raise InputError(
                    f"series {index} has {len(values)} points after its length policy "
                    f"({self.length_policy}); this model takes at most {self.length}"
                )
        return pad_series(
            shaped, value=self.padding_value, side=self.padding_side, maxlen=self.length
        )
