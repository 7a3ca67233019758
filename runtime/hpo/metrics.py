"""Katib's StdOut metrics collector, reimplemented: which log lines yield which metrics.

Semantics follow Katib v1beta1's file metrics collector (``parseLogs`` in
``pkg/metricscollector/v1beta1/file-metricscollector``):

* a line is only considered if it contains one of the experiment's metric names as a
  substring (a cheap pre-filter, as Katib does);
* a leading RFC 3339 timestamp followed by a space is stripped and used as the timestamp;
* every filter regex is applied with "find all"; group 1 is the name, group 2 the value;
  only exact metric names count (``val_accuracy`` is not ``accuracy``);
* the default filter is ``([\\w|-]+)\\s*=\\s*([+-]?\\d*(\\.\\d+)?([Ee][+-]?\\d+)?)``.

One deliberate difference: Katib stores a matched but empty or non-numeric value (``acc=``,
``acc=nan``) as a string the DB later cannot use; here such a match is dropped.

A trial whose objective metric never appears gets Katib's ``unavailable`` observation and
the ``MetricsUnavailable`` state (counted with failed trials by the experiment).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

DEFAULT_FILTER = r"([\w|-]+)\s*=\s*([+-]?\d*(\.\d+)?([Ee][+-]?\d+)?)"
UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class MetricLog:
    name: str
    value: float
    timestamp: str | None = None


class LineParser:
    """Parses single log lines for the experiment's metric names with the configured filters."""

    def __init__(
        self, metric_names: Sequence[str], filters: Sequence[str] = (DEFAULT_FILTER,)
    ) -> None:
        self.metric_names = tuple(metric_names)
        self.patterns = [re.compile(f) for f in filters]

    def parse(self, line: str) -> list[MetricLog]:
        """Every metric reported on ``line``, in order (empty when the line reports none)."""
        if not any(name in line for name in self.metric_names):
            return []
        text = line.strip()
        timestamp = None
        head, sep, rest = text.partition(" ")
        if sep and _is_rfc3339(head):
            timestamp, text = head, rest
        found: list[MetricLog] = []
        for pattern in self.patterns:
            for match in pattern.finditer(text):
                name, raw = match.group(1).strip(), match.group(2).strip()
                if name not in self.metric_names:
                    continue
                try:
                    value = float(raw)
                except ValueError:
                    continue
                if math.isfinite(value):
                    found.append(MetricLog(name, value, timestamp))
        return found


def _is_rfc3339(text: str) -> bool:
    if "T" not in text:
        return False
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


@dataclass
class Observation:
    """Per-metric min/max/latest over a trial's logs, as in a Katib Trial's observation."""

    logs: list[MetricLog] = field(default_factory=list)

    def add(self, logs: Iterable[MetricLog]) -> None:
        self.logs.extend(logs)

    def values(self, name: str) -> list[float]:
        """Every reported value of ``name`` in report order."""
        return [log.value for log in self.logs if log.name == name]

    def has(self, name: str) -> bool:
        return any(log.name == name for log in self.logs)

    def value(self, name: str, strategy: str) -> float | None:
        """The metric's value under a Katib metric strategy (min, max or latest)."""
        values = self.values(name)
        if not values:
            return None
        if strategy == "min":
            return min(values)
        if strategy == "max":
            return max(values)
        return values[-1]

    def to_katib(self, names: Sequence[str]) -> dict[str, list[dict[str, str]]]:
        """``{"metrics": [{name, min, max, latest}]}`` with Katib's ``unavailable`` marker."""
        metrics = []
        for name in names:
            values = self.values(name)
            if values:
                metrics.append(
                    {
                        "name": name,
                        "min": repr(min(values)),
                        "max": repr(max(values)),
                        "latest": repr(values[-1]),
                    }
                )
            else:
                metrics.append(
                    {"name": name, "min": UNAVAILABLE, "max": UNAVAILABLE, "latest": UNAVAILABLE}
                )
        return {"metrics": metrics}
