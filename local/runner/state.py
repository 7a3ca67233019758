"""Run directory layout and ``state.json``: the record ``--resume`` continues from.

State is rewritten atomically after every task transition, so a run killed at any moment
leaves a consistent file: finished tasks keep their outputs, anything in flight re-runs.
``state.json`` is the versioned ``run_state`` contract (``ideko.schema.documents``): it is
written with its ``schema_version`` and checked against the contract when ``--resume``
reads it, so a damaged or newer file is one clear error.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ideko.local.runner.artifacts import Outputs
from ideko.local.runner.errors import RunnerError
from ideko.runtime.atomic import write_text
from ideko.schema.documents import CONTRACTS, DocumentError, check_document

PENDING = "pending"
RUNNING = "running"
RETRYING = "retrying"  # failed attempt, waiting for its backoff
SUCCEEDED = "succeeded"
FAILED = "failed"
SKIPPED = "skipped"  # condition false, or an input's producer was skipped
NOT_RUN = "not run"  # an upstream task failed or the run was interrupted first
INTERRUPTED = "interrupted"
TERMINAL = frozenset({SUCCEEDED, FAILED, SKIPPED, NOT_RUN, INTERRUPTED})


@dataclass
class TaskRecord:
    state: str = PENDING
    attempts: int = 0  # attempts in this session (what the retry policy counts)
    earlier_attempts: int = 0  # attempts of interrupted sessions, so logs are never overwritten
    cached: bool = False
    resumed: bool = False  # taken over from the interrupted run, not re-executed
    started: float | None = None  # epoch seconds
    finished: float | None = None
    message: str = ""
    cache_key: str = ""
    pid: int | None = None  # process group of the running attempt (to stop after a crash)
    outputs: Outputs | None = None

    @property
    def duration(self) -> float:
        if self.started is None:
            return 0.0
        return (self.finished or time.time()) - self.started

    def to_json(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k != "outputs"}
        data["outputs"] = None if self.outputs is None else self.outputs.to_json()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TaskRecord:
        outputs = data.get("outputs")
        fields = {k: v for k, v in data.items() if k != "outputs"}
        return cls(**fields, outputs=None if outputs is None else Outputs.from_json(outputs))


@dataclass
class RunState:
    run_id: str
    pipeline_name: str
    pipeline_sha256: str
    parameters: dict[str, Any]
    status: str = RUNNING
    created: float = field(default_factory=time.time)
    tasks: dict[str, TaskRecord] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k != "tasks"}
        data["tasks"] = {k: t.to_json() for k, t in self.tasks.items()}
        return {"schema_version": CONTRACTS["run_state"].current, **data}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunState:
        """From a document :func:`load_state` checked against the ``run_state`` contract."""
        fields = {k: v for k, v in data.items() if k not in ("tasks", "schema_version")}
        tasks = {k: TaskRecord.from_json(t) for k, t in data["tasks"].items()}
        return cls(**fields, tasks=tasks)


@dataclass(frozen=True)
class RunPaths:
    """Where everything of one run lives: ``<root>/<run-id>/...``; shared stores in ``<root>``."""

    root: Path
    run_id: str

    @property
    def run_dir(self) -> Path:
        return self.root / self.run_id

    @property
    def pipeline_file(self) -> Path:
        return self.run_dir / "pipeline.yaml"

    @property
    def state_file(self) -> Path:
        return self.run_dir / "state.json"

    @property
    def lineage_db(self) -> Path:
        return self.root / "lineage.sqlite"

    @property
    def cache_dir(self) -> Path:
        return self.root / "cache"

    def artifacts_dir(self, task_path: str) -> Path:
        return self.run_dir / "artifacts" / task_path

    def log_file(self, task_path: str, attempt: int) -> Path:
        return self.run_dir / "tasks" / task_path / f"attempt-{attempt}.log"


def new_run_id(pipeline_name: str) -> str:
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    return f"{pipeline_name}-{stamp}-{secrets.token_hex(2)}"


def save_state(paths: RunPaths, state: RunState) -> None:
    write_text(paths.state_file, json.dumps(state.to_json(), indent=1, sort_keys=True))


def load_state(paths: RunPaths) -> RunState:
    """The run's state, checked against the ``run_state`` contract (version first)."""
    try:
        data = json.loads(paths.state_file.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RunnerError(f"no run {paths.run_id!r} under {paths.root} (no state.json)") from exc
    except (OSError, ValueError) as exc:
        raise RunnerError(f"run {paths.run_id!r}: state.json is damaged: {exc}") from exc
    try:
        return RunState.from_json(check_document("run_state", data))
    except DocumentError as exc:
        raise RunnerError(f"run {paths.run_id!r}: state.json cannot be resumed: {exc}") from exc
