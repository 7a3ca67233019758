"""Lineage in SQLite, the local counterpart of KFP's ML Metadata: runs, executions,
artifacts (URI, type, digest, metadata) and input/output events linking them.

One database per run root (``<run-root>/lineage.sqlite``) so ``ideko runs`` sees every run.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, TypeVar

from ideko.local.runner.artifacts import ArtifactRef

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, pipeline_name TEXT NOT NULL, pipeline_sha256 TEXT NOT NULL,
    run_dir TEXT NOT NULL, parameters TEXT NOT NULL, status TEXT NOT NULL,
    started REAL NOT NULL, finished REAL
);
CREATE TABLE IF NOT EXISTS executions (
    id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL REFERENCES runs(run_id),
    task TEXT NOT NULL, component TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL,
    cached INTEGER NOT NULL, cache_key TEXT, started REAL, finished REAL,
    input_parameters TEXT NOT NULL, output_parameters TEXT NOT NULL, message TEXT,
    UNIQUE (run_id, task)
);
CREATE TABLE IF NOT EXISTS artifacts (
    id INTEGER PRIMARY KEY AUTOINCREMENT, uri TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
    type TEXT NOT NULL, digest TEXT NOT NULL, metadata TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    execution_id INTEGER NOT NULL REFERENCES executions(id),
    artifact_id INTEGER NOT NULL REFERENCES artifacts(id),
    kind TEXT NOT NULL CHECK (kind IN ('INPUT', 'OUTPUT')), name TEXT NOT NULL,
    PRIMARY KEY (execution_id, artifact_id, kind, name)
);
"""


RowT = TypeVar("RowT")


@dataclass(frozen=True)
class ExecutionRow:
    id: int
    task: str
    component: str
    state: str
    attempts: int
    cached: bool
    started: float | None
    finished: float | None
    input_parameters: dict[str, Any]
    output_parameters: dict[str, Any]
    message: str


@dataclass(frozen=True)
class ArtifactRow:
    id: int
    uri: str
    name: str
    type: str
    digest: str
    metadata: dict[str, Any]


class LineageStore:
    """Writes and queries the lineage database; every write is its own transaction."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, timeout=30)
        self._db.row_factory = sqlite3.Row
        with self._db:
            self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

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
        with self._db:
            self._db.execute(
                "INSERT INTO runs VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(run_id) DO UPDATE SET"
                " status=excluded.status, finished=excluded.finished",
                (run_id, pipeline_name, pipeline_sha256, run_dir,
                 json.dumps(parameters, sort_keys=True), status, started, finished),
            )  # fmt: skip

    def record_execution(
        self,
        run_id: str,
        task: str,
        component: str,
        *,
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
        message: str = "",
    ) -> int:
        """Insert or update one task's execution and link its artifacts with events."""
        with self._db:
            self._db.execute(
                "INSERT INTO executions (run_id, task, component, state, attempts, cached,"
                " cache_key, started, finished, input_parameters, output_parameters, message)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(run_id, task) DO UPDATE SET"
                " state=excluded.state, attempts=excluded.attempts, cached=excluded.cached,"
                " cache_key=excluded.cache_key, started=excluded.started,"
                " finished=excluded.finished, input_parameters=excluded.input_parameters,"
                " output_parameters=excluded.output_parameters, message=excluded.message",
                (run_id, task, component, state, attempts, int(cached), cache_key, started,
                 finished, _dumps(input_parameters), _dumps(output_parameters), message),
            )  # fmt: skip
            row = self._db.execute(
                "SELECT id FROM executions WHERE run_id=? AND task=?", (run_id, task)
            ).fetchone()
            execution_id = int(row["id"])
            self._db.execute("DELETE FROM events WHERE execution_id=?", (execution_id,))
            for kind, artifacts in (("INPUT", input_artifacts), ("OUTPUT", output_artifacts)):
                for name, ref in artifacts.items():
                    artifact_id = self._upsert_artifact(ref)
                    self._db.execute(
                        "INSERT OR IGNORE INTO events VALUES (?,?,?,?)",
                        (execution_id, artifact_id, kind, name),
                    )
        return execution_id

    def _upsert_artifact(self, ref: ArtifactRef) -> int:
        self._db.execute(
            "INSERT INTO artifacts (uri, name, type, digest, metadata) VALUES (?,?,?,?,?)"
            " ON CONFLICT(uri) DO UPDATE SET type=excluded.type, digest=excluded.digest,"
            " metadata=excluded.metadata",
            (ref.uri, ref.name, ref.schema_title, ref.digest, _dumps(ref.metadata)),
        )
        row = self._db.execute("SELECT id FROM artifacts WHERE uri=?", (ref.uri,)).fetchone()
        return int(row["id"])

    # --- queries ----------------------------------------------------------------------
    def runs(self) -> list[sqlite3.Row]:
        return self._db.execute(
            "SELECT r.*, (SELECT COUNT(*) FROM executions e WHERE e.run_id=r.run_id) AS tasks"
            " FROM runs r ORDER BY started DESC"
        ).fetchall()

    def run(self, run_id: str) -> sqlite3.Row | None:
        return self._db.execute("SELECT * FROM runs WHERE run_id=?", (run_id,)).fetchone()

    def executions(self, run_id: str) -> list[ExecutionRow]:
        rows = self._db.execute(
            "SELECT * FROM executions WHERE run_id=? ORDER BY COALESCE(started, 1e18), task",
            (run_id,),
        ).fetchall()
        return [_execution(r) for r in rows]

    def artifacts_of(self, execution_id: int, kind: str) -> list[tuple[str, ArtifactRow]]:
        """(event name, artifact) pairs of one execution's INPUT or OUTPUT events."""
        rows = self._db.execute(
            "SELECT ev.name AS event_name, a.* FROM events ev JOIN artifacts a"
            " ON a.id = ev.artifact_id WHERE ev.execution_id=? AND ev.kind=? ORDER BY ev.name",
            (execution_id, kind),
        ).fetchall()
        return [(r["event_name"], _artifact(r)) for r in rows]

    def executions_touching(self, artifact_id: int, kind: str, run_id: str) -> list[ExecutionRow]:
        """Executions of ``run_id`` that produced (OUTPUT) or consumed (INPUT) an artifact."""
        rows = self._db.execute(
            "SELECT e.* FROM executions e JOIN events ev ON ev.execution_id = e.id"
            " WHERE ev.artifact_id=? AND ev.kind=? AND e.run_id=? ORDER BY e.task",
            (artifact_id, kind, run_id),
        ).fetchall()
        return [_execution(r) for r in rows]


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


# How a column is read back into a row object (the rest are taken as they are).
_COLUMN_READERS: dict[str, Callable[[Any], Any]] = {
    "input_parameters": json.loads,
    "output_parameters": json.loads,
    "metadata": json.loads,
    "cached": bool,
    "message": lambda value: value or "",
}


def _from_row(cls: type[RowT], row: sqlite3.Row) -> RowT:
    """A row dataclass from the columns of the same names (a query may select more)."""
    values = {}
    for column in fields(cls):  # type: ignore[arg-type]  (RowT is a dataclass)
        reader = _COLUMN_READERS.get(column.name)
        values[column.name] = row[column.name] if reader is None else reader(row[column.name])
    return cls(**values)


def _execution(row: sqlite3.Row) -> ExecutionRow:
    return _from_row(ExecutionRow, row)


def _artifact(row: sqlite3.Row) -> ArtifactRow:
    return _from_row(ArtifactRow, row)
