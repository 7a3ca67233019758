"""Quality report and PASS/FAIL gate over what the reader found.

Verdict policy: the gate FAILs only on the spec's thresholds (``min_series``,
``min_per_class``, ``max_nan_fraction``) or when the data cannot be split. Broken files,
skipped folders/files, missing class folders and constant series never change the verdict by
themselves, but each one is a reason line (path + why), so nothing disappears silently; a
broken file that leaves a class short does FAIL through ``min_per_class``.

NaN policy: NaN/inf points are kept while reading and counted; when the overall non-finite
fraction is within ``max_nan_fraction`` they are replaced by the padding value before the
dataset is written, otherwise the gate FAILs and they stay in the file as NaN.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from ideko.runtime.data.config import DataConfig
from ideko.runtime.data.dataset_io import Dataset
from ideko.runtime.data.reader import Problem, RawData

MAX_LISTED = 20  # constant series listed by path in the report (all are counted)


@dataclass
class QualityReport:
    counts: dict[str, int]  # series per label name, every configured class present
    num_series: int
    num_files: int
    length: dict[str, float]  # min, max, mean, median (points per series)
    nan_fraction: float  # non-finite points / all points, over every series
    max_series_nan_fraction: float
    series_with_nan: int
    inf_points: int
    constant_series: list[str]  # paths of series whose every indicator is constant
    broken: list[Problem]
    skipped: list[Problem]
    missing_classes: list[str]
    thresholds: dict[str, Any]
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    validation: dict[str, Any] = field(default_factory=dict)  # see judge_validation

    @property
    def verdict(self) -> str:
        return "FAIL" if self.failures else "PASS"

    @property
    def reasons(self) -> list[str]:
        """Failures first, then warnings: what the step returns as ``reasons``."""
        return [*self.failures, *self.warnings]

    @property
    def nan_allowed(self) -> bool:
        return self.nan_fraction <= self.thresholds["max_nan_fraction"]

    def fail(self, reason: str) -> None:
        self.failures.append(reason)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["broken"] = [asdict(p) for p in self.broken]
        data["skipped"] = [asdict(p) for p in self.skipped]
        data["verdict"] = self.verdict
        data["reasons"] = self.reasons
        return data


def assess(raw: RawData, config: DataConfig) -> QualityReport:
    """Compute the statistics and the verdict for ``raw`` under ``config``'s gate."""
    gate = config.gate
    counts = {label: 0 for _, label in config.classes}
    for label in raw.labels:
        counts[label] += 1
    lengths = np.array([len(s) for s in raw.series], dtype=np.float64)
    total = sum(s.size for s in raw.series)
    bad_per_series = [int((~np.isfinite(s)).sum()) for s in raw.series]
    nan_fractions = [b / s.size for b, s in zip(bad_per_series, raw.series, strict=True) if s.size]
    report = QualityReport(
        counts=counts,
        num_series=len(raw.series),
        num_files=raw.num_files,
        length=_length_stats(lengths),
        nan_fraction=sum(bad_per_series) / total if total else 0.0,
        max_series_nan_fraction=max(nan_fractions, default=0.0),
        series_with_nan=sum(1 for b in bad_per_series if b),
        inf_points=int(sum(np.isinf(s).sum() for s in raw.series)),
        constant_series=[p for p, s in zip(raw.paths, raw.series, strict=True) if _constant(s)],
        broken=list(raw.broken),
        skipped=list(raw.skipped),
        missing_classes=list(raw.missing_classes),
        thresholds={
            "min_series": gate.min_series,
            "min_per_class": gate.min_per_class,
            "max_nan_fraction": gate.max_nan_fraction,
            "required_indicators": list(gate.required_indicators),
        },
    )
    _judge(report, config)
    return report


def _judge(report: QualityReport, config: DataConfig) -> None:
    gate = config.gate
    if report.num_series < gate.min_series:
        report.fail(
            f"{report.num_series} readable series, the gate needs at least {gate.min_series} "
            "(quality_gate.min_series)"
        )
    for label, count in report.counts.items():
        if count < gate.min_per_class:
            report.fail(
                f"class {label!r} has {count} series, the gate needs at least "
                f"{gate.min_per_class} (quality_gate.min_per_class)"
            )
    if not report.nan_allowed:
        report.fail(
            f"{report.nan_fraction:.2%} of the points are NaN/inf, the gate allows "
            f"{gate.max_nan_fraction:.2%} (quality_gate.max_nan_fraction)"
        )
    warn = report.warnings.append
    for folder in report.missing_classes:
        warn(f"class folder {folder}/ is missing from the data directory")
    for problem in report.broken:
        warn(f"broken file {problem.path}: {problem.reason} (excluded)")
    for problem in report.skipped:
        warn(f"skipped {problem.path}: {problem.reason}")
    if report.series_with_nan and report.nan_allowed:
        warn(
            f"{report.series_with_nan} series contain NaN/inf ({report.nan_fraction:.2%} of "
            f"points); replaced by the padding value {config.padding_value:g}"
        )
    if report.constant_series:
        warn(f"{len(report.constant_series)} series are constant in every indicator")


def judge_validation(report: QualityReport, train: Dataset, config: DataConfig) -> None:
    """Record the training split's validation rows and check them against the gate's floor.

    A class below ``min_validation_per_class`` (by default: a class with no validation row)
    or fewer than ``min_validation_series`` rows would let validation accuracy, EarlyStopping
    and HPO objectives lie; that is a warning, or a failure with ``validation_failure: fail``.
    """
    gate = config.gate
    mask = train.validation if train.validation is not None else np.zeros(len(train), bool)
    counts = train.validation_distribution()
    validation = config.split.validation
    report.validation = {
        "strategy": validation.strategy,
        "resolved": validation.resolved(config.split.strategy),
        "size": validation.size,
        "days": sorted(set(train.days[mask].tolist())),
        "rows": int(mask.sum()),
        "fit_rows": int(len(train) - mask.sum()),
        "class_distribution": counts,
    }
    problems = []
    if int(mask.sum()) < gate.min_validation_series:
        problems.append(
            f"the validation set has {int(mask.sum())} series, below the floor of "
            f"{gate.min_validation_series} (quality_gate.min_validation_series)"
        )
    for label, count in counts.items():
        if count < gate.min_validation_per_class:
            problems.append(
                f"the validation set has {count} series of class {label!r}, below "
                f"{gate.min_validation_per_class} (quality_gate.min_validation_per_class)"
            )
    add = report.fail if gate.validation_failure == "fail" else report.warnings.append
    for problem in problems:
        add(problem)


def describe_validation(validation: dict[str, Any]) -> str:
    """One line: how many validation rows, drawn how, per class (from ``judge_validation``).

    Counts are printed as integers also when they come back from KFP artifact metadata,
    whose protobuf Struct turns every number into a float."""
    counts = ", ".join(
        f"{label} {int(n)}" for label, n in validation["class_distribution"].items()
    )
    days = f" (days {', '.join(validation['days'])})" if validation["resolved"] == "by_day" else ""
    rows, fit_rows = int(validation["rows"]), int(validation["fit_rows"])
    return (
        f"validation: {rows} of {rows + fit_rows} "
        f"training series, {validation['resolved']}{days}: {counts}"
    )


def console_lines(report: QualityReport) -> list[str]:
    """What a command prints about the data: the verdict, every failure and every warning
    (each broken or skipped file, NaN replacement, gate warning), and the validation set."""
    lines = [f"data quality: {report.verdict}"]
    lines += [f"  FAIL: {reason}" for reason in report.failures]
    lines += [f"  warning: {reason}" for reason in report.warnings]
    if report.validation:
        lines.append(f"  {describe_validation(report.validation)}")
    return lines


def _length_stats(lengths: np.ndarray) -> dict[str, float]:
    if not lengths.size:
        return {"min": 0.0, "max": 0.0, "mean": 0.0, "median": 0.0}
    return {
        "min": float(lengths.min()),
        "max": float(lengths.max()),
        "mean": round(float(lengths.mean()), 3),
        "median": float(np.median(lengths)),
    }


def _constant(values: np.ndarray) -> bool:
    """Every indicator takes a single finite value (or none) over the whole series."""
    for column in values.T:
        finite = column[np.isfinite(column)]
        if finite.size and finite.min() != finite.max():
            return False
    return True


def to_markdown(report: QualityReport, source: str = "") -> str:
    """The human-readable report written as the ``quality_report`` artifact."""
    lines = [f"# Data quality report: {report.verdict}", ""]
    if source:
        lines += [f"Source: `{source}`", ""]
    if report.failures:
        lines += ["## Why it failed", "", *[f"- {r}" for r in report.failures], ""]
    if report.warnings:
        lines += ["## Warnings", "", *[f"- {r}" for r in report.warnings], ""]
    lines += ["## Classes", "", "| class | series |", "|---|---:|"]
    lines += [f"| {label} | {count} |" for label, count in report.counts.items()]
    if report.validation:
        lines += ["", f"- {describe_validation(report.validation)}"]
    stats = report.length
    lines += [
        "",
        "## Series",
        "",
        f"- files considered: {report.num_files}; readable series: {report.num_series}",
        f"- length (points): min {stats['min']:g}, median {stats['median']:g}, "
        f"mean {stats['mean']:g}, max {stats['max']:g}",
        f"- NaN/inf points: {report.nan_fraction:.4%} overall, worst series "
        f"{report.max_series_nan_fraction:.2%}, {report.series_with_nan} series affected, "
        f"{report.inf_points} inf",
        f"- constant series: {len(report.constant_series)}",
    ]
    lines += [f"  - `{p}`" for p in report.constant_series[:MAX_LISTED]]
    if len(report.constant_series) > MAX_LISTED:
        lines.append(f"  - … and {len(report.constant_series) - MAX_LISTED} more")
    for title, problems in (
        ("Broken files (excluded)", report.broken),
        ("Skipped", report.skipped),
    ):
        if problems:
            lines += ["", f"## {title}", "", "| path | reason |", "|---|---|"]
            lines += [f"| `{p.path}` | {_cell(p.reason)} |" for p in problems]
    if report.missing_classes:
        lines += ["", "## Missing class folders", ""]
        lines += [f"- `{folder}/`" for folder in report.missing_classes]
    lines += ["", "## Gate thresholds", ""]
    lines += [f"- {key}: {value}" for key, value in report.thresholds.items()]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
