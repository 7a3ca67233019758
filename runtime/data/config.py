"""Typed view of the ``data_config`` JSON section (see runtime/README.md).

The runtime never imports the compiler: it reads the JSON contract here and checks it once
(``schema/contracts/data_config.schema.json``), giving a clear error with the path at fault
instead of a KeyError deep inside preprocessing. Omitted fields take the spec's defaults
(:mod:`ideko.schema.defaults`); a compiled config has none omitted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

from ideko.runtime.data.errors import DataError
from ideko.runtime.data.series_transform import LENGTH_POLICIES, SERIES_NORMALISATIONS
from ideko.runtime.document_files import checked_object
from ideko.schema.defaults import defaults_of, enum_of
from ideko.schema.documents import DocumentError, check_document

DEFAULT_CLASSES: tuple[tuple[str, str], ...] = (
    ("not_anomalous", "not anomalous"),
    ("mechanical_anomalies", "mechanical anomaly"),
    ("electrical_anomalies", "electrical anomaly"),
)
SPLIT_STRATEGIES = ("random", "stratified", "by_day")
VALIDATION_STRATEGIES: tuple[str, ...] = enum_of("validation", "strategy")
VALIDATION_FAILURES: tuple[str, ...] = enum_of("qualityGate", "validation_failure")
SCALINGS = ("none", "standard", "minmax")
PADDING_SIDES = ("post", "pre")
MAX_SEED = 2**32 - 1  # numpy/sklearn random_state range
_PADDING = defaults_of("padding")
_SPLIT = defaults_of("split")
_VALIDATION = defaults_of("validation")
_GATE = defaults_of("qualityGate")
_SCALING = defaults_of("data")["scaling"]
_NORMALISATION = defaults_of("data")["series_normalisation"]
_LENGTH = defaults_of("lengthPolicy")


@dataclass(frozen=True)
class ValidationConfig:
    strategy: str = _VALIDATION["strategy"]
    size: float = _VALIDATION["size"]
    days: tuple[str, ...] = tuple(_VALIDATION["days"])

    def resolved(self, split_strategy: str) -> str:
        """``auto`` is ``tail`` (the original script) for a random split, else ``stratified``."""
        if self.strategy != "auto":
            return self.strategy
        return "tail" if split_strategy == "random" else "stratified"

    def to_dict(self) -> dict[str, Any]:
        return {"strategy": self.strategy, "size": self.size, "days": list(self.days)}


@dataclass(frozen=True)
class SplitConfig:
    strategy: str = _SPLIT["strategy"]
    test_size: float = _SPLIT["test_size"]
    test_days: tuple[str, ...] = tuple(_SPLIT["test_days"])
    seed: int = _SPLIT["seed"]
    validation: ValidationConfig = field(default_factory=ValidationConfig)


@dataclass(frozen=True)
class GateConfig:
    min_series: int = _GATE["min_series"]
    min_per_class: int = _GATE["min_per_class"]
    max_nan_fraction: float = _GATE["max_nan_fraction"]
    required_indicators: tuple[str, ...] = tuple(_GATE["required_indicators"])
    min_validation_series: int = _GATE["min_validation_series"]
    min_validation_per_class: int = _GATE["min_validation_per_class"]
    validation_failure: str = _GATE["validation_failure"]


@dataclass(frozen=True)
class LengthConfig:
    policy: str = _LENGTH["policy"]
    max_length: int | None = _LENGTH["max_length"]

    def to_dict(self) -> dict[str, Any]:
        return {"policy": self.policy, "max_length": self.max_length}


@dataclass(frozen=True)
class DataConfig:
    indicators: tuple[str, ...]
    classes: tuple[tuple[str, str], ...] = DEFAULT_CLASSES  # (folder, label) in spec order
    padding_value: float = _PADDING["value"]
    padding_side: str = _PADDING["side"]
    scaling: str = _SCALING
    split: SplitConfig = field(default_factory=SplitConfig)
    gate: GateConfig = field(default_factory=GateConfig)
    series_normalisation: str = _NORMALISATION
    length: LengthConfig = field(default_factory=LengthConfig)

    @property
    def class_folders(self) -> dict[str, str]:
        return dict(self.classes)

    @property
    def needed_columns(self) -> tuple[str, ...]:
        """Kept indicators first, then required-only ones (checked in headers, not kept)."""
        extra = tuple(c for c in self.gate.required_indicators if c not in self.indicators)
        return self.indicators + extra

    def with_seed(self, seed: int | None) -> DataConfig:
        """The pipeline's ``seed`` parameter overrides ``split.seed``."""
        if seed is None:
            return self
        if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
            raise DataError(f"seed {seed!r} must be an integer between 0 and {MAX_SEED}")
        return replace(self, split=replace(self.split, seed=seed))

    def to_dict(self) -> dict[str, Any]:
        """Back to the JSON contract shape (used in metadata sidecars)."""
        return {
            "indicators": list(self.indicators),
            "classes": dict(self.classes),
            "padding": {"value": self.padding_value, "side": self.padding_side},
            "scaling": self.scaling,
            "series_normalisation": self.series_normalisation,
            "length": self.length.to_dict(),
            "split": {
                "strategy": self.split.strategy,
                "test_size": self.split.test_size,
                "test_days": list(self.split.test_days),
                "seed": self.split.seed,
                "validation": self.split.validation.to_dict(),
            },
            "quality_gate": {
                "min_series": self.gate.min_series,
                "min_per_class": self.gate.min_per_class,
                "max_nan_fraction": self.gate.max_nan_fraction,
                "required_indicators": list(self.gate.required_indicators),
                "min_validation_series": self.gate.min_validation_series,
                "min_validation_per_class": self.gate.min_validation_per_class,
                "validation_failure": self.gate.validation_failure,
            },
        }


def parse_data_config(value: str | dict[str, Any]) -> DataConfig:
    """Parse and check ``data_config`` (JSON text or dict); raise DataError listing problems."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise DataError(f"data_config is not valid JSON: {exc}") from exc
    value = checked_object(value, "data_config", DataError)
    errors: list[str] = []
    raw = dict(value)
    indicators = _str_list(raw.get("indicators"), "indicators", errors)
    if not indicators and not any(e.startswith("indicators") for e in errors):
        errors.append("indicators: list at least one indicator column (e.g. [f3, f4, f5])")
    classes_raw = raw.get("classes") or dict(DEFAULT_CLASSES)
    classes: tuple[tuple[str, str], ...] = ()
    if not isinstance(classes_raw, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and k and v for k, v in classes_raw.items()
    ):
        errors.append("classes: must map class folder names to label names (strings)")
    elif len(set(classes_raw.values())) != len(classes_raw):
        errors.append("classes: two folders map to the same label name")
    else:
        classes = tuple(classes_raw.items())
    padding = _obj(raw.get("padding"), "padding", errors)
    pad_value = _num(padding.get("value", _PADDING["value"]), "padding.value", errors)
    pad_side = padding.get("side", _PADDING["side"])
    if pad_side not in PADDING_SIDES:
        errors.append(f"padding.side: {pad_side!r} is not one of {', '.join(PADDING_SIDES)}")
    scaling = raw.get("scaling", _SCALING)
    if scaling not in SCALINGS:
        errors.append(f"scaling: {scaling!r} is not one of {', '.join(SCALINGS)}")
    normalisation = raw.get("series_normalisation", _NORMALISATION)
    if normalisation not in SERIES_NORMALISATIONS:
        errors.append(
            f"series_normalisation: {normalisation!r} is not one of "
            f"{', '.join(SERIES_NORMALISATIONS)}"
        )
    length = _parse_length(_obj(raw.get("length"), "length", errors), errors)
    split = _parse_split(_obj(raw.get("split"), "split", errors), errors)
    gate = _parse_gate(_obj(raw.get("quality_gate"), "quality_gate", errors), errors)
    if errors:
        raise DataError("invalid data_config:\n  - " + "\n  - ".join(errors))
    try:
        check_document("data_config", raw)  # what the checks above do not cover: unknown keys
    except DocumentError as exc:
        raise DataError(str(exc)) from exc
    return DataConfig(
        tuple(indicators),
        classes,
        float(pad_value),
        str(pad_side),
        str(scaling),
        split,
        gate,
        str(normalisation),
        length,
    )


def _parse_length(raw: dict[str, Any], errors: list[str]) -> LengthConfig:
    policy = raw.get("policy", _LENGTH["policy"])
    if policy not in LENGTH_POLICIES:
        errors.append(f"length.policy: {policy!r} is not one of {', '.join(LENGTH_POLICIES)}")
    max_length = raw.get("max_length", _LENGTH["max_length"])
    if max_length is not None and (
        not isinstance(max_length, int) or isinstance(max_length, bool) or max_length < 2
    ):
        errors.append(f"length.max_length: {max_length!r} must be an integer >= 2 or null")
        max_length = None
    if policy in ("truncate", "resample") and max_length is None:
        errors.append(f"length.max_length: the {policy} policy needs a max_length")
    return LengthConfig(str(policy), max_length)


def _parse_split(raw: dict[str, Any], errors: list[str]) -> SplitConfig:
    strategy = raw.get("strategy", _SPLIT["strategy"])
    if strategy not in SPLIT_STRATEGIES:
        errors.append(f"split.strategy: {strategy!r} is not one of {', '.join(SPLIT_STRATEGIES)}")
    test_size = _num(raw.get("test_size", _SPLIT["test_size"]), "split.test_size", errors)
    if "test_size" in raw and not 0.0 < test_size < 1.0:
        errors.append(f"split.test_size: {test_size} must be between 0 and 1 (exclusive)")
    test_days = _str_list(raw.get("test_days", _SPLIT["test_days"]), "split.test_days", errors)
    seed = raw.get("seed", _SPLIT["seed"])
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed <= MAX_SEED:
        errors.append(f"split.seed: {seed!r} must be an integer between 0 and {MAX_SEED}")
        seed = 0
    validation = _parse_validation(_obj(raw.get("validation"), "split.validation", errors), errors)
    return SplitConfig(str(strategy), float(test_size), tuple(test_days), seed, validation)


def _parse_validation(raw: dict[str, Any], errors: list[str]) -> ValidationConfig:
    strategy = raw.get("strategy", _VALIDATION["strategy"])
    if strategy not in VALIDATION_STRATEGIES:
        errors.append(
            f"split.validation.strategy: {strategy!r} is not one of "
            f"{', '.join(VALIDATION_STRATEGIES)}"
        )
    size = _num(raw.get("size", _VALIDATION["size"]), "split.validation.size", errors)
    if not 0.0 < size < 1.0:
        errors.append(f"split.validation.size: {size} must be between 0 and 1 (exclusive)")
    days = _str_list(raw.get("days", _VALIDATION["days"]), "split.validation.days", errors)
    return ValidationConfig(str(strategy), float(size), tuple(days))


def _parse_gate(raw: dict[str, Any], errors: list[str]) -> GateConfig:
    ints = {}
    for key in ("min_series", "min_per_class", "min_validation_series", "min_validation_per_class"):
        default = _GATE[key]
        val = raw.get(key, default)
        if not isinstance(val, int) or isinstance(val, bool) or val < 0:
            errors.append(f"quality_gate.{key}: {val!r} must be a non-negative integer")
            val = default
        ints[key] = val
    nan_given = raw.get("max_nan_fraction", _GATE["max_nan_fraction"])
    nan = _num(nan_given, "quality_gate.max_nan_fraction", errors)
    if not 0.0 <= nan <= 1.0:
        errors.append(f"quality_gate.max_nan_fraction: {nan} must be between 0 and 1")
    req = _str_list(
        raw.get("required_indicators", _GATE["required_indicators"]),
        "quality_gate.required_indicators",
        errors,
    )
    failure = raw.get("validation_failure", _GATE["validation_failure"])
    if failure not in VALIDATION_FAILURES:
        errors.append(
            f"quality_gate.validation_failure: {failure!r} is not one of "
            f"{', '.join(VALIDATION_FAILURES)}"
        )
    return GateConfig(
        ints["min_series"],
        ints["min_per_class"],
        float(nan),
        tuple(req),
        ints["min_validation_series"],
        ints["min_validation_per_class"],
        str(failure),
    )


def _obj(value: Any, where: str, errors: list[str]) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        errors.append(f"{where}: must be an object")
        return {}
    return value


def _num(value: Any, where: str, errors: list[str]) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        errors.append(f"{where}: {value!r} must be a number")
        return 0.0
    return float(value)


def _str_list(value: Any, where: str, errors: list[str]) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        errors.append(f"{where}: must be a list of non-empty strings")
        return []
    if len(set(value)) != len(value):
        errors.append(f"{where}: lists a name twice")
    return list(value)
