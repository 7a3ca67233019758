"""Which Katib metrics collector a plan uses, and the path Katib mounts for it.

On a cluster Katib mounts the collector's ``fileSystemPath`` into the trial pod (for a
``File`` collector the file's parent directory, for ``TensorFlowEvent`` the directory
itself), so every trial writes to the same absolute path in its own pod. The local tuner
maps that directory per trial (:mod:`ideko.local.katib.trial_paths`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

STDOUT, FILE, TFEVENT = "StdOut", "File", "TensorFlowEvent"
# Katib's defaults when a File / TensorFlowEvent collector has no source (experiment_defaults.go)
DEFAULT_FILE_PATH = "/var/log/katib/metrics.log"
DEFAULT_TFEVENT_DIR = "/var/log/katib/tfevent/"


@dataclass(frozen=True)
class CollectorSpec:
    """The validated ``metricsCollectorSpec``; its filters are ``ExperimentPlan.metric_filters``."""

    kind: str = STDOUT
    path: str = ""  # absolute path as in the manifest (File: the file; TensorFlowEvent: a dir)
    format: str = "TEXT"  # File only: TEXT or JSON

    @property
    def mounted_dir(self) -> str:
        """The directory Katib mounts into the pod (what the local tuner maps per trial)."""
        if self.kind == FILE:
            return str(PurePosixPath(self.path).parent)
        return self.path.rstrip("/") or "/"


def mounted_path_pattern(mounted: str) -> re.Pattern[str]:
    """The mounted directory as a whole path component, not inside a longer name."""
    return re.compile(r"(?<![\w.\-/])" + re.escape(mounted) + r"(?=/|$|[^\w.\-])")


def mentions_path(texts: list[str], spec: CollectorSpec) -> bool:
    """True when one of ``texts`` names the mounted directory (so it can be rewritten)."""
    pattern = mounted_path_pattern(spec.mounted_dir)
    return any(pattern.search(t) for t in texts)
