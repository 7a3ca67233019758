"""Champion/challenger: register a challenger, crown it only if it beats the champion.

A version that passed the spec's threshold gate is registered with alias ``challenger``. It
becomes ``champion`` when there is none, or when its test metric beats the champion's on the
SAME test set by the margin: the champion's stored metric when its test set is the same
file (sha256), else the champion re-scored on the new test split. Every decision is
recorded on the version (``ideko.promotion``) and every champion change on the model
(``ideko.champion_history``), so ``ideko models rollback`` can walk back.
"""

from __future__ import annotations

import contextlib
import fcntl
import getpass
import os
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ideko.runtime.registry import tags
from ideko.runtime.registry.base import (
    CHALLENGER,
    CHAMPION,
    ModelVersion,
    Registry,
    RegistryError,
)

# Champion re-scoring: (champion files, its version) -> its test metrics on the new data.
Rescore = Callable[[Path, ModelVersion], dict[str, Any]]


@dataclass(frozen=True)
class Decision:
    """What happened to a new version and why (also its ``ideko.promotion`` tag)."""

    alias: str  # champion | challenger
    reason: str
    metric: str
    value: float | None
    margin: float
    champion_version: str | None = None  # the champion it was compared with
    champion_value: float | None = None
    champion_evaluation: str = "none"  # stored_metrics | re_evaluated | none


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def actor() -> str:
    """Who made a change: the OS user (KFP pods run as their service account's user)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return os.environ.get("USER", "unknown")


def history(registry: Registry, name: str) -> list[dict[str, Any]]:
    """The champion changes of ``name``, oldest first."""
    model = registry.get_model(name)
    value = tags.decode_json(model.tags.get(tags.CHAMPION_HISTORY), [])
    return value if isinstance(value, list) else []


def crown(
    registry: Registry, name: str, version: str, action: str, why: str, by: str | None = None
) -> dict[str, Any]:
    """Point ``champion`` at ``version`` and append the change to the model's history."""
    previous = registry.get_model(name).aliases.get(CHAMPION)
    entry = {
        "action": action,
        "version": version,
        "previous": previous,
        "at": now(),
        "by": by or actor(),
        "why": why,
    }
    registry.set_alias(name, CHAMPION, version)
    if registry.get_model(name).aliases.get(CHALLENGER) == version:
        registry.delete_alias(name, CHALLENGER)
    changes = [*history(registry, name), entry]
    registry.set_model_tag(name, tags.CHAMPION_HISTORY, tags.encode(changes))
    return entry


@contextlib.contextmanager
def promotion_lock(folder: Path | None) -> Iterator[None]:
    """Serialise decisions on one embedded store (two registrations racing on one machine);
    a remote registry is left to the server (the last alias write wins, none is lost)."""
    if folder is None:
        yield
        return
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".promotion.lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _champion(registry: Registry, name: str) -> tuple[ModelVersion | None, str]:
    """The current champion, or None and why there is none."""
    target = registry.get_model(name).aliases.get(CHAMPION)
    if target is None:
        return None, "there was no champion yet"
    try:
        return registry.get_version(name, target), ""
    except RegistryError:
        return None, f"the champion alias pointed at version {target}, which no longer exists"


def _stored_value(version: ModelVersion, key: str) -> float | None:
    metrics = tags.decode_json(version.tags.get(tags.TEST_METRICS), {})
    value = metrics.get(key) if isinstance(metrics, dict) else None
    return float(value) if isinstance(value, int | float) else None


def decide(
    registry: Registry,
    new: ModelVersion,
    metric: str,
    metric_key: str,
    margin: float,
    rescore: Rescore,
) -> Decision:
    """Compare ``new`` (already registered) with the champion; move the aliases; record."""
    value = _stored_value(new, metric_key)
    champion, missing = _champion(registry, new.name)
    base = {"metric": metric, "value": value, "margin": margin}
    if champion is None or champion.version == new.version:
        decision = Decision(CHAMPION, f"{missing}; the new version becomes champion", **base)
    else:
        champion_value, how, problem = _champion_value(registry, champion, new, metric_key, rescore)
        compared = {
            **base,
            "champion_version": champion.version,
            "champion_value": champion_value,
            "champion_evaluation": how,
        }
        if champion_value is None or value is None:
            decision = Decision(CHALLENGER, f"stays challenger: {problem}", **compared)
        elif value > champion_value and value - champion_value >= margin:
            decision = Decision(
                CHAMPION,
                f"{metric} {value:.4f} beats champion v{champion.version}'s {champion_value:.4f} "
                f"({how.replace('_', ' ')}) by {value - champion_value:.4f} >= margin {margin}",
                **compared,
            )
        else:
            decision = Decision(
                CHALLENGER,
                f"stays challenger: {metric} {value:.4f} does not beat champion "
                f"v{champion.version}'s {champion_value:.4f} ({how.replace('_', ' ')}) by the "
                f"margin {margin}",
                **compared,
            )
    _apply(registry, new, decision)
    return decision


def _champion_value(
    registry: Registry, champion: ModelVersion, new: ModelVersion, key: str, rescore: Rescore
) -> tuple[float | None, str, str]:
    """The champion's metric on the new version's test set: stored or re-evaluated."""
    same = champion.tags.get(tags.TEST_SET) and champion.tags.get(tags.TEST_SET) == new.tags.get(
        tags.TEST_SET
    )
    if same:
        stored = _stored_value(champion, key)
        if stored is not None:
            return stored, "stored_metrics", ""
    try:
        files = registry.verified_files(champion)
        metrics = rescore(files, champion)
    except RegistryError as exc:
        return None, "none", f"the champion could not be scored on the new test set: {exc}"
    value = metrics.get(key)
    if not isinstance(value, int | float):
        return None, "none", f"re-evaluating the champion gave no {key}"
    return float(value), "re_evaluated", ""


def _apply(registry: Registry, new: ModelVersion, decision: Decision) -> None:
    record = asdict(decision)
    registry.set_version_tag(new.name, new.version, tags.PROMOTION, tags.encode(record))
    registry.set_version_tag(
        new.name, new.version, tags.CHAMPION_EVALUATION, decision.champion_evaluation
    )
    if decision.alias == CHAMPION:
        crown(registry, new.name, new.version, "promote", decision.reason)
    else:
        registry.set_alias(new.name, CHALLENGER, new.version)


def rollback(registry: Registry, name: str, why: str, by: str | None = None) -> dict[str, Any]:
    """Move ``champion`` back to the version it replaced (skipping versions now gone)."""
    current = registry.get_model(name).aliases.get(CHAMPION)
    if current is None:
        raise RegistryError(f"{registry.uri}: model {name!r} has no champion to roll back")
    entries = history(registry, name)
    existing = {v.version for v in registry.list_versions(name)}
    seen: set[str] = set()
    target = current
    while target not in seen:
        seen.add(target)
        promoted = [
            e for e in entries if e.get("version") == target and e.get("action") != "rollback"
        ]
        previous = promoted[-1].get("previous") if promoted else None
        if previous is None:
            raise RegistryError(
                f"{registry.uri}: {name} v{current} has no earlier champion to roll back to"
            )
        target = str(previous)
        if target in existing and target != current:
            return crown(registry, name, target, "rollback", why, by)
    raise RegistryError(f"{registry.uri}: no earlier champion of {name} still exists")
