"""A task's retryPolicy from the IR: how many attempts, the wait before each, and the window.

KFP's ``RetryPolicy.backoff_max_duration`` is the "maximum duration during which the task
will be retried" (kfp ``PipelineTask.set_retry``); its Argo backend writes it as
``retryStrategy.backoff.maxDuration``, the total time allowed in the backoff strategy. The
local rule is the same:

    a new attempt starts only if (time since the first attempt started) + (its wait)
    <= backoff_max_duration, and the retries left allow it.

Each wait is ``backoff_duration * backoff_factor ** (retry - 1)``, uncapped (KFP has no cap
of one wait). Durations in the IR are protobuf JSON ``Duration`` strings (``10s``,
``1.5s``), read with protobuf's own parser.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from google.protobuf.duration_pb2 import Duration
from ideko.local.runner.errors import RunnerError

DEFAULT_MAX_DURATION = 3600.0  # kfp's default backoff_max_duration ("3600s")
DEFAULT_FACTOR = 2.0  # kfp's default backoff_factor


def parse_duration(text: str | None) -> float:
    """Seconds of a protobuf JSON Duration (``"10s"``, ``"1.5s"``); None is 0."""
    if text is None:
        return 0.0
    duration = Duration()
    try:
        duration.FromJsonString(text)
    except (ValueError, TypeError, AttributeError) as exc:
        raise RunnerError(
            f"invalid duration {text!r} (expected a protobuf Duration such as 10s or 1.5s)"
        ) from exc
    seconds = duration.ToTimedelta().total_seconds()
    if seconds < 0:
        raise RunnerError(f"invalid duration {text!r}: negative")
    return seconds


@dataclass(frozen=True)
class RetryPolicy:
    """KFP's PipelineTaskSpec.RetryPolicy: retries after the first attempt, exponential
    backoff, all within ``max_duration`` seconds of the first attempt's start."""

    max_retries: int = 0
    backoff: float = 0.0  # seconds before the first retry
    factor: float = DEFAULT_FACTOR
    max_duration: float = DEFAULT_MAX_DURATION  # backoffMaxDuration: the retry window

    @classmethod
    def from_task_spec(cls, spec: dict[str, Any]) -> RetryPolicy:
        policy = spec.get("retryPolicy")
        if not policy:
            return cls()
        window = policy.get("backoffMaxDuration")
        return cls(
            max_retries=int(policy.get("maxRetryCount", 0)),
            backoff=parse_duration(policy.get("backoffDuration")),
            factor=float(policy.get("backoffFactor") or DEFAULT_FACTOR),
            max_duration=parse_duration(window) if window else DEFAULT_MAX_DURATION,
        )

    @property
    def max_attempts(self) -> int:
        return self.max_retries + 1

    def delay_before(self, attempt: int) -> float:
        """Seconds to wait before ``attempt`` (1-based); the first attempt never waits."""
        if attempt <= 1:
            return 0.0
        return self.backoff * self.factor ** (attempt - 2)

    def next_retry(self, attempts: int, elapsed: float) -> Retry:
        """After ``attempts`` failed attempts, ``elapsed`` seconds after the first started:
        wait ``delay`` and try again, or stop (``delay`` None) and say why."""
        if attempts >= self.max_attempts:
            return Retry(None, "")
        delay = self.delay_before(attempts + 1)
        if elapsed + delay > self.max_duration:
            return Retry(
                None,
                f"retries stopped: the retry window (backoff_max_duration "
                f"{self.max_duration:g}s) closed; attempt {attempts + 1} would start "
                f"{elapsed + delay:.1f}s after the first began",
            )
        return Retry(delay, "")


@dataclass(frozen=True)
class Retry:
    """The retry decision: ``delay`` seconds before the next attempt, or None with a reason
    (empty when the retries are simply used up)."""

    delay: float | None
    why_not: str
