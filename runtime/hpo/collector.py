"""Which Katib metrics collector a plan uses, and where a local trial's metrics file lives.

On a cluster Katib mounts the collector's ``fileSystemPath`` into the trial pod (for a
``File`` collector the file's parent directory, for ``TensorFlowEvent`` the directory
itself), so every trial writes to the same absolute path in its own pod. Locally every
trial is a process on one machine, so that directory is mapped to a per-trial directory
under the experiment's output (``trials/<n>.metrics/``) and the path is rewritten wherever
it appears in the trial command's arguments and environment: two trials running in
parallel never share a file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

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


@dataclass(frozen=True)
class TrialPaths:
    """Where one local trial's collector reads: the mapped directory and the file/dir itself."""

    directory: Path
    source: Path  # File: the metrics file; TensorFlowEvent: the event directory


def trial_paths(spec: CollectorSpec, trials_dir: Path, number: int) -> TrialPaths | None:
    """The per-trial location of the collector's path (None for StdOut); always absolute,
    so a trial with its own working directory still finds it."""
    if spec.kind == STDOUT:
        return None
    directory = trials_dir.absolute() / f"{number}.metrics"
    if spec.kind == FILE:
        return TrialPaths(directory, directory / PurePosixPath(spec.path).name)
    return TrialPaths(directory, directory)


def _path_pattern(mounted: str) -> re.Pattern[str]:
    # the mounted dir as a whole path component: not inside a longer name on either side
    return re.compile(r"(?<![\w.\-/])" + re.escape(mounted) + r"(?=/|$|[^\w.\-])")


def rewrite_paths(
    argv: list[str], env: dict[str, str], spec: CollectorSpec, local_dir: Path
) -> tuple[list[str], dict[str, str]]:
    """``argv`` and ``env`` with the mounted directory replaced by the trial's own directory."""
    if spec.kind == STDOUT:
        return argv, env
    pattern = _path_pattern(spec.mounted_dir)
    target = str(local_dir)

    def swap(text: str) -> str:
        return pattern.sub(lambda _m: target, text)

    return [swap(a) for a in argv], {k: swap(v) for k, v in env.items()}


def mentions_path(texts: list[str], spec: CollectorSpec) -> bool:
    """True when one of ``texts`` names the mounted directory (so it can be rewritten)."""
    pattern = _path_pattern(spec.mounted_dir)
    return any(pattern.search(t) for t in texts)
