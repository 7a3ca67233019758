"""A task's retryPolicy from the IR and the backoff before each new attempt."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ideko.local.runner.errors import RunnerError

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}


def parse_duration(text: str | float | int | None) -> float:
    """Seconds from a protobuf/KFP duration ("10s", "1.5s", "2m", "1h"); None is 0."""
    if text is None:
        return 0.0
    if isinstance(text, int | float):
        return float(text)
    match = _DURATION.match(text)
    if not match:
        raise RunnerError(f"invalid duration {text!r} (expected e.g. 10s, 2m, 1h)")
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


@dataclass(frozen=True)
class RetryPolicy:
    """KFP's PipelineTaskSpec.RetryPolicy: retries after the first attempt, exponential backoff."""

    max_retries: int = 0
    backoff: float = 0.0  # seconds before the first retry
    factor: float = 2.0
    max_backoff: float = 3600.0

    @classmethod
    def from_task_spec(cls, spec: dict[str, Any]) -> RetryPolicy:
        policy = spec.get("retryPolicy")
        if not policy:
            return cls()
        max_backoff = policy.get("backoffMaxDuration")
        return cls(
            max_retries=int(policy.get("maxRetryCount", 0)),
            backoff=parse_duration(policy.get("backoffDuration")),
            factor=float(policy.get("backoffFactor") or 2.0),
            max_backoff=parse_duration(max_backoff) if max_backoff else 3600.0,
        )

    @property
    def max_attempts(self) -> int:
        return self.max_retries + 1

    def delay_before(self, attempt: int) -> float:
        """Seconds to wait before ``attempt`` (1-based); the first attempt never waits."""
        if attempt <= 1:
            return 0.0
        return min(self.backoff * self.factor ** (attempt - 2), self.max_backoff)
