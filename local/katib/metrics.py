"""Katib's StdOut metrics collector, reimplemented: which log lines yield which metrics.

Semantics follow Katib v1beta1's file metrics collector (``parseLogs`` in
``pkg/metricscollector/v1beta1/file-metricscollector``):

* a line is only considered if it contains one of the experiment's metric names as a
  substring (a cheap pre-filter, as Katib does);
* a leading RFC 3339 timestamp followed by a space is stripped and used as the timestamp;
* every filter regex is applied with "find all"; group 1 is the name, group 2 the value;
  only exact metric names count (``val_accuracy`` is not ``accuracy``);
* the default filter is Katib's (``ideko.schema.metric_lines.KATIB_DEFAULT_FILTER``, the
  format the train step prints); matches are read by ``metric_lines.metric_matches``.

One deliberate difference: Katib stores a matched but empty or non-numeric value (``acc=``,
``acc=nan``) as a string the DB later cannot use; here such a match is dropped.

A trial whose objective metric never appears gets Katib's ``unavailable`` observation and
the ``MetricsUnavailable`` state (counted with failed trials by the experiment).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ideko.schema.metric_lines import KATIB_DEFAULT_FILTER, metric_matches

UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class MetricLog:
    name: str
    value: float
    timestamp: str | None = None


class LineParser:
    """Parses single log lines for the experiment's metric names with the configured filters."""

    def __init__(
        self, metric_names: Sequence[str], filters: Sequence[str] = (KATIB_DEFAULT_FILTER,)
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
            for name, value in metric_matches(text, pattern):
                if name in self.metric_names:
                    found.append(MetricLog(name, value, timestamp))
        return found


class JsonLineParser:
    """Katib's File collector in JSON format: one JSON object per line, metric names as keys.

    Katib (``parseLogsInJsonFormat``) takes a metric only when its value is a JSON *string*
    (``{"accuracy": "0.91"}``) and fails the whole collection on a line that is not JSON.
    Here a finite JSON number counts too (a Python trial writing ``json.dumps`` would
    otherwise get ``MetricsUnavailable`` silently), and a line that is not a JSON object is
    skipped and counted in ``skipped``. ``timestamp`` may be RFC 3339 text or Unix seconds.
    """

    def __init__(self, metric_names: Sequence[str]) -> None:
        self.metric_names = tuple(metric_names)
        self.skipped = 0

    def parse(self, line: str) -> list[MetricLog]:
        """Every metric on this line, in metric-name order (empty for blank or bad lines)."""
        text = line.strip()
        if not text:
            return []
        try:
            obj = json.loads(text)
        except ValueError:
            obj = None
        if not isinstance(obj, dict):
            self.skipped += 1
            return []
        timestamp = _json_timestamp(obj.get("timestamp"))
        found: list[MetricLog] = []
        for name in self.metric_names:
            value = _number(obj.get(name))
            if value is not None:
                found.append(MetricLog(name, value, timestamp))
        return found


def _number(raw: object) -> float | None:
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        return None
    try:
        value = float(raw.strip() if isinstance(raw, str) else raw)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _json_timestamp(raw: object) -> str | None:
    if isinstance(raw, str) and _is_rfc3339(raw):
        return raw
    if isinstance(raw, int | float) and not isinstance(raw, bool) and math.isfinite(raw):
        try:
            return datetime.fromtimestamp(raw, UTC).isoformat().replace("+00:00", "Z")
        except (OverflowError, OSError, ValueError):
            return None
    return None


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
