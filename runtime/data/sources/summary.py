"""What ``ideko data diff/show`` summarise: changes per class folder and day, files per class,
and the quality metadata ``ideko data import`` attaches to a commit."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from ideko.runtime.data.sources.records import QUALITY_KEYS, Change

VERDICT, NUM_SERIES, REASONS = QUALITY_KEYS


def group_changes(changes: list[Change]) -> list[dict[str, Any]]:
    """``[{class, day, added, removed, changed}]`` sorted by class and day (IDEKO layout:
    ``<class folder>/<day>/<file>``; a shallower path groups under ``-``)."""
    groups: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for change in changes:
        parts = change.path.split("/")
        folder = parts[0] if len(parts) > 1 else "-"
        day = parts[1] if len(parts) > 2 else "-"
        groups[(folder, day)][change.kind] += 1
    return [
        {
            "class": folder,
            "day": day,
            **{k: counts.get(k, 0) for k in ("added", "removed", "changed")},
        }
        for (folder, day), counts in sorted(groups.items())
    ]


def files_per_class(files: list[str]) -> dict[str, int]:
    """Data files per top-level (class) folder."""
    counts: Counter[str] = Counter(Path(f).parts[0] for f in files if len(Path(f).parts) > 1)
    return dict(sorted(counts.items()))


def quality_metadata(report: Any) -> dict[str, str]:
    """A quality report as commit metadata (string values: what lakeFS and git trailers hold)."""
    return {
        VERDICT: report.verdict,
        NUM_SERIES: str(report.num_series),
        REASONS: json.dumps(report.reasons),
    }


def quality_from_metadata(metadata: dict[str, str]) -> dict[str, Any] | None:
    """The verdict, series count and reasons stored at import, or None (not an ideko import)."""
    if VERDICT not in metadata:
        return None
    try:
        reasons = json.loads(metadata.get(REASONS, "[]"))
    except json.JSONDecodeError:
        reasons = [metadata.get(REASONS, "")]
    return {
        "verdict": metadata[VERDICT],
        "num_series": int(metadata.get(NUM_SERIES, "0") or 0),
        "reasons": reasons,
    }
