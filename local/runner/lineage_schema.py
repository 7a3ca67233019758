"""The tables of ``lineage.sqlite``, shaped after ML Metadata as KFP's launcher fills it, and
the one way to open the file: create, migrate an older layout, or refuse clearly.

KFP's MLMD cannot be installed beside kfp 2.17 here, so the store keeps MLMD's model in
SQLite: *types* (``system.Pipeline`` / ``system.PipelineRun`` contexts,
``system.ContainerExecution`` executions, artifact types named by schema title),
*contexts* with a parent link (run -> pipeline), *executions* carrying the launcher's custom
properties (``display_name``, ``task_name``, ``cache_fingerprint``, ``cached_execution_id``),
*artifacts*, INPUT/OUTPUT *events* named by the input or output, and *associations* /
*attributions* tying executions and artifacts to their run. ``mlmd_env`` holds the schema
version (MLMD's ``MLMDEnv`` does the same).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ideko.local.runner.errors import RunnerError

SCHEMA_VERSION = 2  # 1: the runs/executions/artifacts/events tables before MLMD's shape

PIPELINE_CONTEXT = "system.Pipeline"
RUN_CONTEXT = "system.PipelineRun"
CONTAINER_EXECUTION = "system.ContainerExecution"

_TABLES = """
CREATE TABLE mlmd_env (schema_version INTEGER NOT NULL);
CREATE TABLE types (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('context', 'execution', 'artifact')), UNIQUE (name, kind)
);
CREATE TABLE contexts (
    id INTEGER PRIMARY KEY, type_id INTEGER NOT NULL REFERENCES types(id), name TEXT NOT NULL,
    custom_properties TEXT NOT NULL, create_time REAL NOT NULL, last_update_time REAL NOT NULL,
    UNIQUE (type_id, name)
);
CREATE TABLE parent_contexts (
    context_id INTEGER NOT NULL REFERENCES contexts(id),
    parent_context_id INTEGER NOT NULL REFERENCES contexts(id),
    PRIMARY KEY (context_id, parent_context_id)
);
CREATE TABLE executions (
    id INTEGER PRIMARY KEY, type_id INTEGER NOT NULL REFERENCES types(id),
    run_context_id INTEGER NOT NULL REFERENCES contexts(id),
    task_name TEXT NOT NULL, display_name TEXT NOT NULL, component TEXT NOT NULL,
    last_known_state TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL,
    cache_fingerprint TEXT, cached_execution_id INTEGER REFERENCES executions(id),
    create_time REAL, last_update_time REAL, custom_properties TEXT NOT NULL,
    UNIQUE (run_context_id, task_name)
);
CREATE TABLE artifacts (
    id INTEGER PRIMARY KEY, type_id INTEGER NOT NULL REFERENCES types(id),
    uri TEXT NOT NULL UNIQUE, name TEXT NOT NULL, digest TEXT NOT NULL, state TEXT NOT NULL,
    custom_properties TEXT NOT NULL, create_time REAL NOT NULL
);
CREATE TABLE events (
    artifact_id INTEGER NOT NULL REFERENCES artifacts(id),
    execution_id INTEGER NOT NULL REFERENCES executions(id),
    type TEXT NOT NULL CHECK (type IN ('INPUT', 'OUTPUT')), name TEXT NOT NULL,
    milliseconds_since_epoch INTEGER NOT NULL,
    PRIMARY KEY (execution_id, artifact_id, type, name)
);
CREATE TABLE associations (
    context_id INTEGER NOT NULL REFERENCES contexts(id),
    execution_id INTEGER NOT NULL REFERENCES executions(id),
    PRIMARY KEY (context_id, execution_id)
);
CREATE TABLE attributions (
    context_id INTEGER NOT NULL REFERENCES contexts(id),
    artifact_id INTEGER NOT NULL REFERENCES artifacts(id),
    PRIMARY KEY (context_id, artifact_id)
);
CREATE INDEX events_by_artifact ON events (artifact_id, type);
CREATE INDEX executions_by_fingerprint ON executions (cache_fingerprint);
CREATE INDEX attributions_by_artifact ON attributions (artifact_id);
"""

# Runner task states -> MLMD Execution.State (a cache hit is CACHED, as KFP records it).
MLMD_STATES = {
    "succeeded": "COMPLETE",
    "failed": "FAILED",
    "running": "RUNNING",
    "interrupted": "CANCELED",
}


def _what_to_do(path: Path) -> str:
    return (
        f"move it aside (e.g. `mv {path} {path}.broken`) to start a new lineage, "
        "or pass --no-lineage to run without recording lineage"
    )


class LineageError(RunnerError):
    """``lineage.sqlite`` cannot be opened, read or written; names the file and the way out."""

    def __init__(self, path: Path, problem: str, hint: str = "") -> None:
        self.path = path
        super().__init__(f"lineage database {path}: {problem}; {hint or _what_to_do(path)}")


def open_database(path: Path, *, create: bool = True) -> sqlite3.Connection:
    """A connection to a lineage database of :data:`SCHEMA_VERSION` (created, or migrated
    from version 1); a damaged file or a newer version is a :class:`LineageError`."""
    if create:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LineageError(path, f"cannot create its folder: {exc.strerror}") from exc
    elif not path.is_file():
        raise LineageError(path, "does not exist", "no run has been recorded there yet")
    db: sqlite3.Connection | None = None
    try:
        db = sqlite3.connect(path, timeout=30, isolation_level=None)
        db.row_factory = sqlite3.Row
        _bring_to_current(db, path)
        db.isolation_level = ""  # the store's writes: one implicit transaction each
    except sqlite3.DatabaseError as exc:
        if db is not None:
            db.close()
        raise LineageError(path, f"not a usable SQLite database ({exc})") from exc
    except LineageError:
        if db is not None:
            db.close()
        raise
    return db


def statements(script: str) -> list[str]:
    """The statements of a DDL script, to run one by one inside a transaction."""
    return [s.strip() for s in script.split(";") if s.strip()]


def _tables(db: sqlite3.Connection) -> set[str]:
    return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def _check_version(db: sqlite3.Connection, path: Path) -> None:
    row = db.execute("SELECT schema_version FROM mlmd_env").fetchone()
    version = int(row[0]) if row else 0
    if version > SCHEMA_VERSION:
        raise LineageError(
            path,
            f"schema version {version} is newer than this ideko's ({SCHEMA_VERSION})",
            "use the ideko that wrote it, or pass --no-lineage",
        )
    if version < SCHEMA_VERSION:
        raise LineageError(path, f"unknown schema version {version}")


def _bring_to_current(db: sqlite3.Connection, path: Path) -> None:
    """Create or migrate under one IMMEDIATE transaction, so two runners starting on the
    same run root never both create (or migrate) the tables."""
    if "mlmd_env" in _tables(db):
        _check_version(db, path)
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        tables = _tables(db)
        if "mlmd_env" in tables:
            _check_version(db, path)
        elif "runs" in tables:
            from ideko.local.runner.lineage_migrate import migrate_v1

            migrate_v1(db, statements(_TABLES), SCHEMA_VERSION)
        elif not tables:
            for statement in statements(_TABLES):
                db.execute(statement)
            db.execute("INSERT INTO mlmd_env VALUES (?)", (SCHEMA_VERSION,))
        else:
            raise LineageError(path, f"unexpected tables {sorted(tables)}: not an ideko lineage")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
