"""Errors the tuner reports to users as clear messages (the CLI prints them, no traceback)."""

from __future__ import annotations


class TuneError(Exception):
    """Any problem ``ideko tune`` reports as a message instead of a traceback."""


class ManifestError(TuneError):
    """A Katib Experiment manifest the tuner cannot honour; lists every problem found."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = sorted(set(problems))
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(
            f"{source}: invalid Katib Experiment ({len(self.problems)} problem(s)):\n{lines}"
        )
