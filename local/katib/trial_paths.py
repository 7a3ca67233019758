"""Where one local trial's metrics file lives, and the trial command rewritten to point there.

On a cluster Katib mounts the collector's ``fileSystemPath`` into every trial pod at the same
absolute path. Locally every trial is a process on one machine, so that directory is mapped
to a per-trial directory under the experiment's output (``trials/<n>.metrics/``) and the path
is rewritten wherever it appears in the trial command's arguments and environment: two
trials running in parallel never share a file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ideko.runtime.katib.collector import FILE, STDOUT, CollectorSpec, mounted_path_pattern


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


def rewrite_paths(
    argv: list[str], env: dict[str, str], spec: CollectorSpec, local_dir: Path
) -> tuple[list[str], dict[str, str]]:
    """``argv`` and ``env`` with the mounted directory replaced by the trial's own directory."""
    if spec.kind == STDOUT:
        return argv, env
    pattern = mounted_path_pattern(spec.mounted_dir)
    target = str(local_dir)

    def swap(text: str) -> str:
        return pattern.sub(lambda _m: target, text)

    return [swap(a) for a in argv], {k: swap(v) for k, v in env.items()}
