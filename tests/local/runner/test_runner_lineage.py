"""Lineage as ML Metadata shapes it, and `ideko lineage` both ways, on real runs of a small
pipeline of the IDEKO shape (prepare -> tune -> train x2 -> compare -> register)."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import pytest
from ideko.local.progress import LineProgress
from ideko.local.runner.lineage import LineageStore
from ideko.local.runner.lineage_cli import lineage_command
from ideko.local.runner.lineage_schema import SCHEMA_VERSION, LineageError
from ideko.local.runner.lineage_walk import find_models, trace_back, trace_forward
from ideko.local.runner.run import LocalRunner, RunOptions

COMMIT = "1a2b3c4d5e6f"


@pytest.fixture(scope="module")
def lineage_runs(compiled, tmp_path_factory):
    """Two runs on the same data (the second all cached but register) and the run root."""
    tmp = tmp_path_factory.mktemp("lineage")
    root = tmp / "runs"
    params = {"registry": str(tmp / "registry")}
    results = []
    for _ in range(2):
        options = RunOptions(
            run_root=root, poll_interval=0.02, launcher="process", parameters=params
        )
        results.append(LocalRunner(options, LineProgress()).run(compiled["lineage"]))
    assert [r.status for r in results] == ["succeeded", "succeeded"], results[0].failure
    return root, results


@pytest.fixture
def store(lineage_runs):
    root, _ = lineage_runs
    opened = LineageStore(root / "lineage.sqlite", create=False)
    yield opened
    opened.close()


def test_tables_types_and_properties_follow_kfp_launcher(lineage_runs, store):
    root, (first, second) = lineage_runs
    db = sqlite3.connect(root / "lineage.sqlite")
    types = set(db.execute("SELECT kind, name FROM types").fetchall())
    assert {("context", "system.Pipeline"), ("context", "system.PipelineRun")} <= types
    assert ("execution", "system.ContainerExecution") in types
    assert {("artifact", "system.Dataset"), ("artifact", "system.Model")} <= types
    assert db.execute("SELECT schema_version FROM mlmd_env").fetchone() == (SCHEMA_VERSION,)
    parents = db.execute(
        "SELECT c.name, p.name FROM parent_contexts pc JOIN contexts c ON c.id = pc.context_id"
        " JOIN contexts p ON p.id = pc.parent_context_id"
    ).fetchall()
    assert set(parents) == {(first.run_id, "lineage"), (second.run_id, "lineage")}
    events = db.execute(
        "SELECT e.task_name, ev.type, ev.name FROM events ev JOIN executions e"
        " ON e.id = ev.execution_id"
    ).fetchall()
    assert ("prepare", "OUTPUT", "train_data") in events
    assert ("compare-two", "INPUT", "a") in events
    db.close()
    cold = {e.task: e for e in store.executions(first.run_id)}
    warm = {e.task: e for e in store.executions(second.run_id)}
    assert cold["train-named"].display_name == "train-named"
    assert cold["train-named"].last_known_state == "COMPLETE"
    assert warm["train-named"].last_known_state == "CACHED"
    assert warm["train-named"].cached_execution_id == cold["train-named"].id
    assert warm["train-named"].cache_fingerprint == cold["train-named"].cache_fingerprint
    assert warm["register-best"].last_known_state == "COMPLETE"
    assert cold["train-named"].parameter_producers == {"overrides": "tune-k.Output"}


def test_back_from_a_registry_version_to_the_data_commit(lineage_runs, store, capsys):
    root, (_, second) = lineage_runs
    (model,) = find_models(store, "anomaly/2")
    trace = trace_back(store, model)
    assert trace.run_id == second.run_id
    assert trace.registry["version"] == "2" and trace.registry["registry_backend"] == "mlflow"
    tasks = [s.execution.task for s in trace.steps]
    assert tasks[0] == "register-best" and tasks[-1] == "prepare"
    assert set(tasks) == {"register-best", "compare-two", "train-named", "tune-k", "prepare"}
    assert "train-named-2" not in tasks  # B lost the comparison: not on the chosen path
    assert trace.data["commit"] == COMMIT
    assert trace.data["fingerprint"].startswith("sha256:")
    # the same through the CLI, by URI and by id, readable and --json
    uri = trace.registry["registry_uri"]
    for query in ("anomaly/2", "anomaly/latest", uri, str(model.id)):
        assert lineage_command(_args(root, model=query)) == 0
        out = capsys.readouterr().out
        assert "registry version anomaly/2" in out and f"commit: {COMMIT}" in out, query
        assert "parameter overrides <- tune-k.Output" in out
    assert lineage_command(_args(root, model="anomaly/2", json=True)) == 0
    (chain,) = json.loads(capsys.readouterr().out)
    assert chain["data"]["commit"] == COMMIT
    assert [s["task_name"] for s in chain["steps"]][-1] == "prepare"
    assert lineage_command(_args(root, model="anomaly/9")) == 1


def test_an_alias_is_resolved_by_the_registry_it_was_recorded_in(
    lineage_runs, store, monkeypatch, capsys
):
    """`name@alias` goes through the agreed ``open_registry(uri).resolve(name, ref)``
    (a stand-in registry here); the URI is the one the register step recorded."""
    import types

    from ideko.runtime.errors import UserError

    root, _ = lineage_runs
    asked = []

    class Registry:
        def __init__(self, uri: str, backend: str | None = None) -> None:
            self.uri = uri

        def resolve(self, name: str, ref: str) -> object:
            asked.append((self.uri, name, ref))
            if ref != "champion":
                raise UserError(f"{self.uri}: {name} has no alias {ref!r}")
            return types.SimpleNamespace(name=name, version="1", model_uri="m", aliases=[ref])

    fake = types.ModuleType("ideko.runtime.registry")
    fake.open_registry = Registry  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "ideko.runtime.registry", fake)
    given = str(root.parent / "registry-uri")
    (found,) = find_models(store, "anomaly@champion", given)
    assert asked == [(given, "anomaly", "champion")]
    assert found.metadata["version"] == "1"
    assert lineage_command(_args(root, model="anomaly@champion")) == 2  # two registries seen
    assert "give --registry URI (registries seen: file://" in capsys.readouterr().err
    assert lineage_command(_args(root, model="anomaly@nope", registry=given)) == 2
    assert "anomaly has no alias 'nope'" in capsys.readouterr().err


def test_forward_from_the_data_to_every_run_model_and_registry_version(lineage_runs, capsys):
    root, (first, second) = lineage_runs
    store = LineageStore(root / "lineage.sqlite", create=False)
    try:
        fingerprint = trace_back(store, find_models(store, "anomaly/1")[0]).data["fingerprint"]
        by_commit = trace_forward(store, COMMIT[:8])
        by_fingerprint = trace_forward(store, fingerprint)
    finally:
        store.close()
    for derived in (by_commit, by_fingerprint):
        assert [r["run_id"] for r in derived.runs] == [first.run_id, second.run_id]
        assert [f"{e['name']}/{e['version']}" for _, e, _ in derived.registry] == [
            "anomaly/1",
            "anomaly/2",
        ]
        trained = {(e.run_id, e.task) for e, _, _ in derived.models}
        assert (first.run_id, "train-named") in trained  # the tuned one, via its parameter
        assert (second.run_id, "compare-two") in trained
    assert lineage_command(_args(root, data=COMMIT, json=True)) == 0
    shown = json.loads(capsys.readouterr().out)
    assert len(shown["registry_versions"]) == 2 and len(shown["runs"]) == 2
    assert lineage_command(_args(root, data=COMMIT)) == 0
    out = capsys.readouterr().out
    assert "runs (2)" in out and "anomaly/2  mlflow  alias challenger" in out
    assert lineage_command(_args(root, data="ffffffffff")) == 1
    assert lineage_command(_args(root, data="1a2")) == 2  # too short to mean anything


def test_data_without_a_commit_is_said_so(compiled, run_pipeline, run_root, tmp_path, capsys):
    """A data set whose metadata has no ``data_version`` (older runs, other pipelines)."""
    marker = tmp_path / "fast"
    marker.write_text("")  # the sleeper returns at once
    params = {"marker": str(marker)}
    result = run_pipeline(compiled["resumable"], launcher="process", parameters=params)
    model = result.records["train-model"].outputs.artifacts["model"]
    store = LineageStore(run_root / "lineage.sqlite", create=False)
    try:
        (found,) = find_models(store, model.uri)
        trace = trace_back(store, found)
    finally:
        store.close()
    assert [s.execution.task for s in trace.steps] == ["train-model", "make-data"]
    assert trace.data["commit"] is None and trace.data["data_fingerprint"] == "n=3"
    assert lineage_command(_args(run_root, model=f"file://{model.uri}")) == 0
    assert "commit: (none: the data source is not versioned)" in capsys.readouterr().out


def _args(root: Path, **given: object):
    import argparse

    values = {"model": None, "data": None, "all": False, "json": False, "run_dir": root}
    values["registry"] = None
    return argparse.Namespace(**{**values, **given})


V1_TABLES = """
CREATE TABLE runs (run_id TEXT PRIMARY KEY, pipeline_name TEXT NOT NULL,
  pipeline_sha256 TEXT NOT NULL, run_dir TEXT NOT NULL, parameters TEXT NOT NULL,
  status TEXT NOT NULL, started REAL NOT NULL, finished REAL);
CREATE TABLE executions (id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL,
  task TEXT NOT NULL, component TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL,
  cached INTEGER NOT NULL, cache_key TEXT, started REAL, finished REAL,
  input_parameters TEXT NOT NULL, output_parameters TEXT NOT NULL, message TEXT,
  UNIQUE (run_id, task));
CREATE TABLE artifacts (id INTEGER PRIMARY KEY AUTOINCREMENT, uri TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL, type TEXT NOT NULL, digest TEXT NOT NULL, metadata TEXT NOT NULL);
CREATE TABLE events (execution_id INTEGER NOT NULL, artifact_id INTEGER NOT NULL,
  kind TEXT NOT NULL, name TEXT NOT NULL, PRIMARY KEY (execution_id, artifact_id, kind, name));
INSERT INTO runs VALUES ('old-run', 'p', 'abc', '/x/old-run', '{"n": 1}', 'succeeded', 10, 20);
INSERT INTO executions VALUES (7, 'old-run', 'make', 'comp-make', 'succeeded', 1, 0, 'k1',
  10, 11, '{"n": 1}', '{}', '');
INSERT INTO executions VALUES (8, 'old-run', 'train', 'comp-train', 'succeeded', 1, 1, 'k2',
  11, 12, '{}', '{}', '');
INSERT INTO artifacts VALUES (3, '/x/old-run/d', 'data', 'system.Dataset', 'sha256:d',
  '{"fingerprint": "sha256:feedbeef00"}');
INSERT INTO artifacts VALUES (4, '/x/old-run/m', 'model', 'system.Model', 'sha256:m', '{}');
INSERT INTO events VALUES (7, 3, 'OUTPUT', 'data');
INSERT INTO events VALUES (8, 3, 'INPUT', 'data');
INSERT INTO events VALUES (8, 4, 'OUTPUT', 'model');
"""


def test_a_version_1_database_is_migrated_keeping_its_ids(tmp_path):
    path = tmp_path / "lineage.sqlite"
    db = sqlite3.connect(path)
    db.executescript(V1_TABLES)
    db.close()
    store = LineageStore(path, create=False)
    try:
        assert store.schema_version() == SCHEMA_VERSION
        (run,) = store.runs()
        assert (run.run_id, run.status, run.parameters, run.tasks) == (
            "old-run",
            "succeeded",
            {"n": 1},
            2,
        )
        executions = {e.task: e for e in store.executions("old-run")}
        assert executions["train"].id == 8 and executions["train"].last_known_state == "CACHED"
        trace = trace_back(store, store.artifact(4))
        assert [s.execution.task for s in trace.steps] == ["train", "make"]
        assert trace.data["fingerprint"] == "sha256:feedbeef00" and trace.data["commit"] is None
        assert [r["run_id"] for r in trace_forward(store, "feedbeef").runs] == ["old-run"]
    finally:
        store.close()
    tables = {r[0] for r in sqlite3.connect(path).execute("SELECT name FROM sqlite_master")}
    assert "runs" not in tables and "v1_runs" not in tables


def test_a_newer_or_damaged_database_is_refused_with_its_path(tmp_path):
    newer = tmp_path / "newer.sqlite"
    LineageStore(newer).close()
    db = sqlite3.connect(newer)
    db.execute("UPDATE mlmd_env SET schema_version = ?", (SCHEMA_VERSION + 1,))
    db.commit()
    db.close()
    with pytest.raises(
        LineageError, match=rf"{newer}: schema version {SCHEMA_VERSION + 1} is newer"
    ):
        LineageStore(newer)
    damaged = tmp_path / "damaged.sqlite"
    damaged.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(
        LineageError, match=rf"{damaged}: not a usable SQLite.*file is not a database.*--no-lineage"
    ):
        LineageStore(damaged)
