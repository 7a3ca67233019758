"""``ideko lineage MODEL`` and ``ideko lineage --data FINGERPRINT_OR_COMMIT``: readable
chains at 80 columns (URIs and ids whole, on their own lines) or ``--json``."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from ideko.local.runner.errors import RunnerError
from ideko.local.runner.lineage import ArtifactRow, LineageStore
from ideko.local.runner.lineage_walk import (
    Derived,
    Trace,
    find_models,
    trace_back,
    trace_forward,
)


def register(subparsers: Any) -> None:
    """Add ``lineage`` to the top-level parser."""
    parser = subparsers.add_parser(
        "lineage",
        help="where a model came from, or what was built from some data",
        description="Walk the local lineage (lineage.sqlite): from a model back to its data "
        "(MODEL: a registry name/version or name@alias, a model URI or path, an artifact "
        "id), or with --data from a data fingerprint or commit forward to every run, model "
        "and registry version built from it.",
    )
    parser.add_argument(
        "model", nargs="?", metavar="MODEL", help="name/version, name@alias, URI or id"
    )
    parser.add_argument("--data", metavar="FINGERPRINT_OR_COMMIT", help="walk forward instead")
    parser.add_argument(
        "--all", action="store_true", help="follow every compared candidate, not only the chosen"
    )
    parser.add_argument(
        "--registry",
        metavar="URI",
        help="the registry that resolves NAME@ALIAS (default: "
        "the one the lineage recorded for NAME)",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument(
        "--run-dir", type=Path, default=Path(".ideko/runs"), help="run root (.ideko/runs)"
    )
    parser.set_defaults(func=lineage_command)


def lineage_command(args: argparse.Namespace) -> int:
    """Exit 0 with a chain, 1 when nothing matches, 2 on a usage or database error."""
    if (args.model is None) == (args.data is None):
        return _error("give either MODEL or --data FINGERPRINT_OR_COMMIT")
    db = args.run_dir / "lineage.sqlite"
    try:
        store = LineageStore(db, create=False)
    except RunnerError as exc:
        return _error(str(exc))
    try:
        if args.data is not None:
            derived = trace_forward(store, args.data)
            if not derived.matches:
                print(f"no data {args.data!r} recorded in {db}", file=sys.stderr)
                return 1
            _emit(derived_json(derived) if args.json else derived_lines(derived), args.json)
            return 0
        models = find_models(store, args.model, args.registry)
        if not models:
            print(f"no model {args.model!r} recorded in {db}", file=sys.stderr)
            return 1
        traces = [trace_back(store, m, everything=args.all) for m in models]
    except RunnerError as exc:
        return _error(str(exc))
    finally:
        store.close()
    if args.json:
        _emit([trace_json(t) for t in traces], True)
    else:
        _emit([line for t in traces for line in [*trace_lines(t), ""]][:-1], False)
    return 0


def _error(message: str) -> int:
    print(f"ideko lineage: error: {message}", file=sys.stderr)
    return 2


def _emit(value: Any, as_json: bool) -> None:
    if as_json:
        print(json.dumps(value, indent=2, sort_keys=True, default=str))
    else:
        print("\n".join(value))


# --- model -> data ----------------------------------------------------------------------
def trace_lines(trace: Trace) -> list[str]:
    """Newest step first; each artifact's URI on its own indented line."""
    target = trace.target
    if trace.registry:
        reg = trace.registry
        title = f"registry version {reg['name']}/{reg['version']}"
        extra = [f"  registry  {reg.get('registry_uri')} ({reg.get('registry_backend') or '?'})"]
        if reg.get("alias"):
            extra.append(f"  alias     {reg['alias']} (when registered)")
    else:
        title, extra = f"model artifact {target.id}", []
    lines = [f"{title}  (artifact {target.id}, {target.type})", *extra]
    lines.append(f"  run       {trace.run_id}")
    for step in trace.steps:
        ex = step.execution
        cached = f", cached from execution {ex.cached_execution_id}" if ex.cached else ""
        lines.append(f"  <- {ex.task}  [{ex.last_known_state.lower()}{cached}]  execution {ex.id}")
        for name, artifact in step.produced:
            lines.append(f"       wrote {name} ({artifact.type}, artifact {artifact.id})")
            lines.append(f"         {artifact.uri}")
        for name, source in sorted(step.parameters.items()):
            lines.append(f"       parameter {name} <- {source}")
    data = trace.data
    lines.append("  data")
    for key in sorted(k for k in data if k not in ("data_version", "commit")):
        lines.append(f"    {key}: {data[key]}")
    commit = data.get("commit")
    lines.append(f"    commit: {commit if commit else '(none: the data source is not versioned)'}")
    return lines


def _artifact_json(artifact: ArtifactRow) -> dict[str, Any]:
    return {
        "id": artifact.id,
        "name": artifact.name,
        "type": artifact.type,
        "uri": artifact.uri,
        "digest": artifact.digest,
        "metadata": artifact.metadata,
    }


def trace_json(trace: Trace) -> dict[str, Any]:
    return {
        "target": _artifact_json(trace.target),
        "registry_version": trace.registry,
        "run_id": trace.run_id,
        "steps": [
            {
                "execution_id": s.execution.id,
                "task_name": s.execution.task,
                "display_name": s.execution.display_name,
                "state": s.execution.last_known_state,
                "cache_fingerprint": s.execution.cache_fingerprint,
                "cached_execution_id": s.execution.cached_execution_id,
                "produced": [{"event": n, **_artifact_json(a)} for n, a in s.produced],
                "consumed": [{"event": n, "artifact_id": a.id} for n, a in s.consumed],
                "parameters_from": s.parameters,
            }
            for s in trace.steps
        ],
        "data": trace.data,
        "datasets": [{"task": t, **_artifact_json(a)} for t, a in trace.datasets],
    }


# --- data -> runs, models, registry versions --------------------------------------------
def derived_lines(derived: Derived) -> list[str]:
    lines = [f"data {derived.query}"]
    for key, values in sorted(derived.matches.items()):
        for value in values:
            lines.append(
                f"  matched {key}: {value if isinstance(value, str) else json.dumps(value)}"
            )
    lines.append(f"runs ({len(derived.runs)})")
    for run in derived.runs:
        started = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(run["started"]))
        lines.append(f"  {run['run_id']}  {run['status']}  {started} UTC")
    lines.append(f"models ({len(derived.models)})")
    for execution, name, artifact in derived.models:
        model = artifact.metadata.get("model_name", "")
        lines.append(
            f"  {execution.run_id}  {execution.task}:{name}  {model}  artifact {artifact.id}"
        )
        lines.append(f"    {artifact.uri}")
    lines.append(f"registry versions ({len(derived.registry)})")
    for execution, entry, artifact in derived.registry:
        alias = f"  alias {entry['alias']}" if entry.get("alias") else ""
        backend = entry.get("registry_backend") or "?"
        lines.append(
            f"  {entry['name']}/{entry['version']}  {backend}{alias}  artifact {artifact.id}"
        )
        lines.append(f"    {entry.get('registry_uri')}  (run {execution.run_id})")
    return lines


def derived_json(derived: Derived) -> dict[str, Any]:
    return {
        "query": derived.query,
        "matches": derived.matches,
        "runs": derived.runs,
        "models": [
            {"run_id": e.run_id, "task_name": e.task, "event": n, **_artifact_json(a)}
            for e, n, a in derived.models
        ],
        "registry_versions": [
            {"run_id": e.run_id, "task_name": e.task, "artifact_id": a.id, **entry}
            for e, entry, a in derived.registry
        ],
    }
