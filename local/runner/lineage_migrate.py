"""Migration of a version-1 ``lineage.sqlite`` (tables ``runs``, ``executions``,
``artifacts``, ``events`` of ideko before the ML Metadata shape) to the current tables.

Runs inside the caller's IMMEDIATE transaction: it completes or leaves the old file as it
was. Execution and artifact ids are kept, so ids printed before the upgrade still resolve.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from ideko.local.runner.lineage_schema import (
    CONTAINER_EXECUTION,
    MLMD_STATES,
    PIPELINE_CONTEXT,
    RUN_CONTEXT,
)

_OLD = ("runs", "executions", "artifacts", "events")


def migrate_v1(db: sqlite3.Connection, create: list[str], version: int) -> None:
    """Rename the old tables, create the new ones (``create``), copy, drop the old."""
    for table in _OLD:
        db.execute(f"ALTER TABLE {table} RENAME TO v1_{table}")
    for statement in create:
        db.execute(statement)
    db.execute("INSERT INTO mlmd_env VALUES (?)", (version,))
    types: dict[tuple[str, str], int] = {}

    def type_id(name: str, kind: str) -> int:
        if (name, kind) not in types:
            cursor = db.execute("INSERT INTO types (name, kind) VALUES (?,?)", (name, kind))
            types[(name, kind)] = int(cursor.lastrowid or 0)
        return types[(name, kind)]

    run_contexts = _copy_runs(db, type_id)
    for row in db.execute("SELECT * FROM v1_artifacts").fetchall():
        db.execute(
            "INSERT INTO artifacts VALUES (?,?,?,?,?,'LIVE',?,0)",
            (row["id"], type_id(row["type"], "artifact"), row["uri"], row["name"],
             row["digest"], row["metadata"]),
        )  # fmt: skip
    for row in db.execute("SELECT * FROM v1_executions").fetchall():
        run, pipeline = run_contexts[row["run_id"]]
        _copy_execution(db, row, run, pipeline, type_id(CONTAINER_EXECUTION, "execution"))
    for row in db.execute("SELECT * FROM v1_events").fetchall():
        db.execute(
            "INSERT INTO events VALUES (?,?,?,?,0)",
            (row["artifact_id"], row["execution_id"], row["kind"], row["name"]),
        )
        for context in db.execute(
            "SELECT context_id FROM associations WHERE execution_id=?", (row["execution_id"],)
        ).fetchall():
            db.execute(
                "INSERT OR IGNORE INTO attributions VALUES (?,?)", (context[0], row["artifact_id"])
            )
    for table in reversed(_OLD):
        db.execute(f"DROP TABLE v1_{table}")


def _copy_runs(db: sqlite3.Connection, type_id: Any) -> dict[str, tuple[int, int]]:
    """One PipelineRun context per old run, under one Pipeline context per pipeline name."""
    pipelines: dict[str, int] = {}
    runs: dict[str, tuple[int, int]] = {}
    for row in db.execute("SELECT * FROM v1_runs ORDER BY started").fetchall():
        name = row["pipeline_name"]
        if name not in pipelines:
            cursor = db.execute(
                "INSERT INTO contexts (type_id, name, custom_properties, create_time,"
                " last_update_time) VALUES (?,?,'{}',?,?)",
                (type_id(PIPELINE_CONTEXT, "context"), name, row["started"], row["started"]),
            )
            pipelines[name] = int(cursor.lastrowid or 0)
        properties = {
            "pipeline_name": name,
            "pipeline_sha256": row["pipeline_sha256"],
            "run_dir": row["run_dir"],
            "parameters": json.loads(row["parameters"]),
            "status": row["status"],
            "started": row["started"],
            "finished": row["finished"],
        }
        cursor = db.execute(
            "INSERT INTO contexts (type_id, name, custom_properties, create_time,"
            " last_update_time) VALUES (?,?,?,?,?)",
            (type_id(RUN_CONTEXT, "context"), row["run_id"], json.dumps(properties),
             row["started"], row["finished"] or row["started"]),
        )  # fmt: skip
        run = int(cursor.lastrowid or 0)
        db.execute("INSERT INTO parent_contexts VALUES (?,?)", (run, pipelines[name]))
        runs[row["run_id"]] = (run, pipelines[name])
    return runs


def _copy_execution(
    db: sqlite3.Connection, row: sqlite3.Row, run: int, pipeline: int, execution_type: int
) -> None:
    cached = bool(row["cached"]) and row["state"] == "succeeded"
    properties = {
        "inputs": json.loads(row["input_parameters"]),
        "outputs": json.loads(row["output_parameters"]),
        "parameter_producers": {},  # version 1 did not record them
        "message": row["message"] or "",
    }
    db.execute(
        "INSERT INTO executions (id, type_id, run_context_id, task_name, display_name,"
        " component, last_known_state, state, attempts, cache_fingerprint, create_time,"
        " last_update_time, custom_properties) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (row["id"], execution_type, run, row["task"], row["task"].rsplit("/", 1)[-1],
         row["component"], "CACHED" if cached else MLMD_STATES.get(row["state"], "UNKNOWN"),
         row["state"], row["attempts"], row["cache_key"] or None, row["started"],
         row["finished"], json.dumps(properties, sort_keys=True)),
    )  # fmt: skip
    for context in (run, pipeline):
        db.execute("INSERT INTO associations VALUES (?,?)", (context, row["id"]))
