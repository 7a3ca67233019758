"""Lineage in SQLite, the local counterpart of KFP's ML Metadata (tables:
:mod:`ideko.local.runner.lineage_schema`): what the runner records per run and task, and the
row-level queries ``ideko runs`` and ``ideko lineage`` are built on.

One database per run root (``<run-root>/lineage.sqlite``) so every run is seen. What KFP's
launcher stores as custom properties is stored the same way: an execution's ``inputs`` /
``outputs`` parameters, ``display_name``, ``task_name``, ``cache_fingerprint`` and, for a
cache hit, ``cached_execution_id`` (the execution that computed the cached outputs). Tasks
also pass *parameters* (the tune step's best parameters into its train step), which MLMD
does not link; ``parameter_producers`` records which upstream task/output each input
parameter came from, so lineage walks through those too.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, TypeVar

from ideko.local.runner.artifacts import ArtifactRef
from ideko.local.runner.lineage_schema import (
    CONTAINER_EXECUTION,
    MLMD_STATES,
    PIPELINE_CONTEXT,
    RUN_CONTEXT,
    LineageError,
    open_database,
)

RowT = TypeVar("RowT")


@dataclass(frozen=True)
class RunRow:
    """A ``system.PipelineRun`` context with its properties."""

    id: int
    run_id: str
    pipeline_name: str
    pipeline_sha256: str
    run_dir: str
    parameters: dict[str, Any]
    status: str
    started: float
    finished: float | None
    tasks: int


@dataclass(frozen=True)
class ExecutionRow:
    """A ``system.ContainerExecution`` of one run."""

    id: int
    run_id: str
    task: str
    display_name: str
    component: str
    state: str  # the runner's task state (succeeded, failed, ...)
    last_known_state: str  # MLMD's: COMPLETE, CACHED, FAILED, RUNNING, CANCELED
    attempts: int
    cached: bool
    cache_fingerprint: str
    cached_execution_id: int | None
    started: float | None
    finished: float | None
    input_parameters: dict[str, Any]
    output_parameters: dict[str, Any]
    parameter_producers: dict[str, str]  # input parameter -> "task path.output key"
    message: str


@dataclass(frozen=True)
class ArtifactRow:
    id: int
    uri: str
    name: str
    type: str  # the schema title: system.Model, system.Dataset, ...
    digest: str
    metadata: dict[str, Any]


_EXECUTION_SELECT = (
    "SELECT e.*, c.name AS run_id FROM executions e JOIN contexts c ON c.id = e.run_context_id"
)
_ARTIFACT_SELECT = (
    "SELECT a.*, t.name AS type_name FROM artifacts a JOIN types t ON t.id = a.type_id"
)


class LineageStore:
    """Writes and queries the lineage database; every write is its own transaction.

    Opening a damaged file, a file of a newer schema, or failing a write (disk full) is a
    :class:`LineageError` naming the file and what to do.
    """

    def __init__(self, path: Path, *, create: bool = True) -> None:
        self.path = path
        self._db = open_database(path, create=create)
        self._type_ids: dict[tuple[str, str], int] = {}

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        try:
            with self._db:
                yield self._db
        except sqlite3.Error as exc:
            raise LineageError(self.path, f"cannot record lineage ({exc})") from exc

    def _type_id(self, name: str, kind: str) -> int:
        key = (name, kind)
        if key not in self._type_ids:
            self._db.execute("INSERT OR IGNORE INTO types (name, kind) VALUES (?,?)", key)
            row = self._db.execute("SELECT id FROM types WHERE name=? AND kind=?", key).fetchone()
            self._type_ids[key] = int(row["id"])
        return self._type_ids[key]

    def _context(self, type_name: str, name: str, properties: dict[str, Any]) -> int:
        type_id = self._type_id(type_name, "context")
        now = time.time()
        self._db.execute(
            "INSERT INTO contexts (type_id, name, custom_properties, create_time,"
            " last_update_time) VALUES (?,?,?,?,?) ON CONFLICT(type_id, name) DO UPDATE SET"
            " custom_properties=excluded.custom_properties,"
            " last_update_time=excluded.last_update_time",
            (type_id, name, _dumps(properties), now, now),
        )
        row = self._db.execute(
            "SELECT id FROM contexts WHERE type_id=? AND name=?", (type_id, name)
        ).fetchone()
        return int(row["id"])

    def _run_context_id(self, run_id: str) -> int:
        row = self._db.execute(
            "SELECT c.id FROM contexts c JOIN types t ON t.id = c.type_id"
            " WHERE t.name=? AND c.name=?",
            (RUN_CONTEXT, run_id),
        ).fetchone()
        if row is None:
            raise LineageError(self.path, f"run {run_id!r} was never recorded")
        return int(row["id"])

    # --- writes -----------------------------------------------------------------------
    def record_run(
        self,
        run_id: str,
        pipeline_name: str,
        pipeline_sha256: str,
        run_dir: str,
        parameters: dict[str, Any],
        status: str,
        started: float,
        finished: float | None = None,
    ) -> None:
        """The run's ``system.PipelineRun`` context, child of its ``system.Pipeline``."""
        properties = {
            "pipeline_sha256": pipeline_sha256,
            "run_dir": run_dir,
            "parameters": parameters,
            "status": status,
            "started": started,
            "finished": finished,
        }
        with self._write() as db:
            pipeline = self._context(PIPELINE_CONTEXT, pipeline_name, {})
            run = self._context(RUN_CONTEXT, run_id, {"pipeline_name": pipeline_name, **properties})
            db.execute("INSERT OR IGNORE INTO parent_contexts VALUES (?,?)", (run, pipeline))

    def record_execution(
        self,
        run_id: str,
        task: str,
        component: str,
        *,
        display_name: str = "",
        state: str,
        attempts: int,
        cached: bool,
        cache_key: str,
        started: float | None,
        finished: float | None,
        input_parameters: dict[str, Any],
        input_artifacts: dict[str, ArtifactRef],
        output_parameters: dict[str, Any],
        output_artifacts: dict[str, ArtifactRef],
        parameter_producers: dict[str, str] | None = None,
        message: str = "",
    ) -> int:
        """Insert or update one task's execution and link its artifacts with events."""
        with self._write() as db:
            run = self._run_context_id(run_id)
            pipeline = db.execute(
                "SELECT parent_context_id FROM parent_contexts WHERE context_id=?", (run,)
            ).fetchone()
            cached_from = self._computed_by(cache_key) if cached else None
            mlmd_state = "CACHED" if cached and state == "succeeded" else MLMD_STATES.get(state)
            properties = {
                "inputs": input_parameters,
                "outputs": output_parameters,
                "parameter_producers": parameter_producers or {},
                "message": message,
            }
            db.execute(
                "INSERT INTO executions (type_id, run_context_id, task_name, display_name,"
                " component, last_known_state, state, attempts, cache_fingerprint,"
                " cached_execution_id, create_time, last_update_time, custom_properties)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(run_context_id, task_name)"
                " DO UPDATE SET display_name=excluded.display_name,"
                " last_known_state=excluded.last_known_state, state=excluded.state,"
                " attempts=excluded.attempts, cache_fingerprint=excluded.cache_fingerprint,"
                " cached_execution_id=excluded.cached_execution_id,"
                " create_time=excluded.create_time, last_update_time=excluded.last_update_time,"
                " custom_properties=excluded.custom_properties",
                (self._type_id(CONTAINER_EXECUTION, "execution"), run, task,
                 display_name or task, component, mlmd_state or "UNKNOWN", state, attempts,
                 cache_key or None, cached_from, started, finished, _dumps(properties)),
            )  # fmt: skip
            row = db.execute(
                "SELECT id FROM executions WHERE run_context_id=? AND task_name=?", (run, task)
            ).fetchone()
            execution_id = int(row["id"])
            contexts = [run] + ([int(pipeline[0])] if pipeline else [])
            for context in contexts:
                db.execute(
                    "INSERT OR IGNORE INTO associations VALUES (?,?)", (context, execution_id)
                )
            db.execute("DELETE FROM events WHERE execution_id=?", (execution_id,))
            stamp = int((finished or time.time()) * 1000)
            for kind, artifacts in (("INPUT", input_artifacts), ("OUTPUT", output_artifacts)):
                for name, ref in artifacts.items():
                    artifact_id = self._upsert_artifact(ref)
                    db.execute(
                        "INSERT OR IGNORE INTO events VALUES (?,?,?,?,?)",
                        (artifact_id, execution_id, kind, name, stamp),
                    )
                    for context in contexts:
                        db.execute(
                            "INSERT OR IGNORE INTO attributions VALUES (?,?)",
                            (context, artifact_id),
                        )
        return execution_id

    def _computed_by(self, cache_key: str) -> int | None:
        """The execution that computed the outputs a cache hit reuses (KFP's
        ``cached_execution_id``): the latest COMPLETE one with the same fingerprint."""
        if not cache_key:
            return None
        row = self._db.execute(
            "SELECT id FROM executions WHERE cache_fingerprint=? AND last_known_state='COMPLETE'"
            " ORDER BY id DESC LIMIT 1",
            (cache_key,),
        ).fetchone()
        return None if row is None else int(row["id"])

    def _upsert_artifact(self, ref: ArtifactRef) -> int:
        self._db.execute(
            "INSERT INTO artifacts (type_id, uri, name, digest, state, custom_properties,"
            " create_time) VALUES (?,?,?,?,'LIVE',?,?) ON CONFLICT(uri) DO UPDATE SET"
            " type_id=excluded.type_id, digest=excluded.digest,"
            " custom_properties=excluded.custom_properties",
            (self._type_id(ref.schema_title, "artifact"), ref.uri, ref.name, ref.digest,
             _dumps(ref.metadata), time.time()),
        )  # fmt: skip
        row = self._db.execute("SELECT id FROM artifacts WHERE uri=?", (ref.uri,)).fetchone()
        return int(row["id"])

    # --- queries ----------------------------------------------------------------------
    def _query(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        try:
            return self._db.execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise LineageError(self.path, f"cannot read lineage ({exc})") from exc

    def runs(self) -> list[RunRow]:
        """Every run, newest first."""
        rows = self._query(
            "SELECT c.*, (SELECT COUNT(*) FROM executions e WHERE e.run_context_id = c.id)"
            " AS tasks FROM contexts c JOIN types t ON t.id = c.type_id WHERE t.name=?",
            (RUN_CONTEXT,),
        )
        return sorted((_run(r) for r in rows), key=lambda r: -r.started)

    def run(self, run_id: str) -> RunRow | None:
        rows = self._query(
            "SELECT c.*, (SELECT COUNT(*) FROM executions e WHERE e.run_context_id = c.id)"
            " AS tasks FROM contexts c JOIN types t ON t.id = c.type_id"
            " WHERE t.name=? AND c.name=?",
            (RUN_CONTEXT, run_id),
        )
        return _run(rows[0]) if rows else None

    def executions(self, run_id: str) -> list[ExecutionRow]:
        rows = self._query(
            f"{_EXECUTION_SELECT} WHERE c.name=? ORDER BY COALESCE(e.create_time, 1e18),"
            " e.task_name",
            (run_id,),
        )
        return [_execution(r) for r in rows]

    def execution(self, execution_id: int) -> ExecutionRow | None:
        rows = self._query(f"{_EXECUTION_SELECT} WHERE e.id=?", (execution_id,))
        return _execution(rows[0]) if rows else None

    def artifact(self, artifact_id: int) -> ArtifactRow | None:
        rows = self._query(f"{_ARTIFACT_SELECT} WHERE a.id=?", (artifact_id,))
        return _artifact(rows[0]) if rows else None

    def artifacts_where(self, sql: str, args: tuple[Any, ...] = ()) -> list[ArtifactRow]:
        """Artifacts matching a WHERE clause over ``a`` (artifacts) and ``t`` (their type)."""
        return [_artifact(r) for r in self._query(f"{_ARTIFACT_SELECT} WHERE {sql}", args)]

    def artifacts_of(self, execution_id: int, kind: str) -> list[tuple[str, ArtifactRow]]:
        """(event name, artifact) pairs of one execution's INPUT or OUTPUT events."""
        rows = self._query(
            "SELECT ev.name AS event_name, a.*, t.name AS type_name FROM events ev"
            " JOIN artifacts a ON a.id = ev.artifact_id JOIN types t ON t.id = a.type_id"
            " WHERE ev.execution_id=? AND ev.type=? ORDER BY ev.name",
            (execution_id, kind),
        )
        return [(r["event_name"], _artifact(r)) for r in rows]

    def executions_touching(
        self, artifact_id: int, kind: str, run_id: str | None = None
    ) -> list[ExecutionRow]:
        """Executions (of ``run_id``, or of any run) that produced (OUTPUT) or consumed
        (INPUT) an artifact."""
        sql = (
            f"{_EXECUTION_SELECT} JOIN events ev ON ev.execution_id = e.id"
            " WHERE ev.artifact_id=? AND ev.type=?"
        )
        args: tuple[Any, ...] = (artifact_id, kind)
        if run_id is not None:
            sql, args = sql + " AND c.name=?", (*args, run_id)
        return [_execution(r) for r in self._query(sql + " ORDER BY e.task_name", args)]

    def schema_version(self) -> int:
        return int(self._query("SELECT schema_version FROM mlmd_env")[0][0])


class NoLineage:
    """Stands in for the store when the user asked to run without lineage (--no-lineage)."""

    path = None

    def record_run(self, *args: Any, **kwargs: Any) -> None:
        return None

    def record_execution(self, *args: Any, **kwargs: Any) -> int:
        return 0

    def close(self) -> None:
        return None


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _run(row: sqlite3.Row) -> RunRow:
    props = json.loads(row["custom_properties"])
    return RunRow(
        id=int(row["id"]),
        run_id=row["name"],
        pipeline_name=props.get("pipeline_name", ""),
        pipeline_sha256=props.get("pipeline_sha256", ""),
        run_dir=props.get("run_dir", ""),
        parameters=props.get("parameters", {}),
        status=props.get("status", ""),
        started=float(props.get("started") or 0.0),
        finished=props.get("finished"),
        tasks=int(row["tasks"]),
    )


def _execution(row: sqlite3.Row) -> ExecutionRow:
    props = json.loads(row["custom_properties"])
    return ExecutionRow(
        id=int(row["id"]),
        run_id=row["run_id"],
        task=row["task_name"],
        display_name=row["display_name"],
        component=row["component"],
        state=row["state"],
        last_known_state=row["last_known_state"],
        attempts=int(row["attempts"]),
        cached=row["last_known_state"] == "CACHED",
        cache_fingerprint=row["cache_fingerprint"] or "",
        cached_execution_id=row["cached_execution_id"],
        started=row["create_time"],
        finished=row["last_update_time"],
        input_parameters=props.get("inputs", {}),
        output_parameters=props.get("outputs", {}),
        parameter_producers=props.get("parameter_producers", {}),
        message=props.get("message", ""),
    )


_COLUMN_READERS: dict[str, Callable[[sqlite3.Row], Any]] = {
    "type": lambda row: row["type_name"],
    "metadata": lambda row: json.loads(row["custom_properties"]),
}


def _artifact(row: sqlite3.Row) -> ArtifactRow:
    values = {}
    for column in fields(ArtifactRow):
        reader = _COLUMN_READERS.get(column.name)
        values[column.name] = row[column.name] if reader is None else reader(row)
    return ArtifactRow(**values)
