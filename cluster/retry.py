"""Retry an API call through blips (5xx, 429, a dropped connection), never through answers.

The Kubernetes and KFP clients raise the same shapes (an ``ApiException`` with an HTTP
status and a body, or a urllib3/OS error), so one policy and one wording serve both; what
counts as transient is the Katib backend's rule (``ideko.runtime.katib.api.is_transient``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from ideko.runtime.katib.api import api_failure, describe, is_transient

T = TypeVar("T")


@dataclass(frozen=True)
class Retry:
    """``attempts`` tries in all, waiting ``base_seconds`` doubling (capped) in between."""

    attempts: int = 5
    base_seconds: float = 1.0
    max_seconds: float = 30.0
    sleep: Callable[[float], None] = time.sleep

    def call(
        self,
        fn: Callable[[], T],
        *,
        before_retry: Callable[[], T | None] | None = None,
        log: Callable[[str], None] | None = None,
        what: str = "",
    ) -> T:
        """``fn()``; after a transient failure, ``before_retry()`` may return the result a
        lost answer had (a create that went through), else ``fn`` is tried again."""
        for attempt in range(1, self.attempts + 1):
            try:
                return fn()
            except Exception as exc:
                if not is_transient(exc) or attempt == self.attempts:
                    raise
                if log is not None:
                    log(f"{what or 'API call'} failed ({explain(exc)}); retrying")
                self.sleep(min(self.max_seconds, self.base_seconds * 2 ** (attempt - 1)))
                if before_retry is not None:
                    found = before_retry()
                    if found is not None:
                        return found
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


def explain(exc: BaseException) -> str:
    """One line for an API failure: status, reason and the server's message (KFP's upload
    endpoints answer ``{"error_message": ...}``, its gRPC gateway and Kubernetes a
    ``message``). Headers are never shown: they may carry cookies."""
    failure = api_failure(exc)
    if failure is None:
        return describe(exc)
    message = failure.message
    body = getattr(exc, "body", None)
    if not message and isinstance(body, str | bytes):
        try:
            document: Any = json.loads(body)
        except ValueError:
            document = {}
        if isinstance(document, dict):
            message = str(document.get("error_message") or document.get("error") or "")
    text = f"{failure.status} {failure.reason}".strip()
    return f"{text}: {message.splitlines()[0]}" if message else text
