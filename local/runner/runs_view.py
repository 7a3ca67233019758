"""``ideko runs list`` / ``ideko runs show``: read the lineage database and print runs,
executions, artifacts and, for every model, the chain data -> datasets -> model -> metrics.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ideko.local.runner.errors import RunnerError
from ideko.local.runner.lineage import ArtifactRow, ExecutionRow, LineageStore, RunRow
from ideko.local.runner.run_lock import holder_of

if TYPE_CHECKING:
    from rich.console import Console

_METRIC_TYPES = ("system.Metrics", "system.ClassificationMetrics")


@dataclass
class ModelChain:
    """How one model came to be and how it scored."""

    model: ArtifactRow
    trained_by: str
    data: dict[str, Any] = field(default_factory=dict)  # the root inputs: data_uri, fingerprint
    datasets: list[tuple[str, ArtifactRow]] = field(default_factory=list)
    metrics: list[tuple[str, ArtifactRow]] = field(default_factory=list)


def model_chains(store: LineageStore, run_id: str) -> list[ModelChain]:
    """Every model produced (or reused from cache) in ``run_id`` with its lineage."""
    chains = []
    for execution in store.executions(run_id):
        for _, model in store.artifacts_of(execution.id, "OUTPUT"):
            if model.type != "system.Model":
                continue
            chain = ModelChain(model=model, trained_by=execution.task)
            for _, dataset in store.artifacts_of(execution.id, "INPUT"):
                if dataset.type != "system.Dataset":
                    continue
                for producer in store.executions_touching(dataset.id, "OUTPUT", run_id):
                    chain.datasets.append((producer.task, dataset))
                    chain.data.update(_data_identity(producer, dataset))
            scorers = [execution, *store.executions_touching(model.id, "INPUT", run_id)]
            for consumer in scorers:
                for _, out in store.artifacts_of(consumer.id, "OUTPUT"):
                    if out.type in _METRIC_TYPES:
                        chain.metrics.append((consumer.task, out))
            chains.append(chain)
    return chains


def _data_identity(producer: ExecutionRow, dataset: ArtifactRow) -> dict[str, Any]:
    """Where the data came from: the producer's scalar inputs and any fingerprint it recorded."""
    identity: dict[str, Any] = {
        k: v
        for k, v in producer.input_parameters.items()
        if isinstance(v, str | int | float) and len(str(v)) <= 80
    }
    for source in (dataset.metadata, producer.output_parameters):
        for key, value in source.items():
            if "fingerprint" in key.lower():
                identity[key] = value
    return identity


def aligned(rows: list[tuple[str, ...]]) -> list[str]:
    """kubectl-style columns, two spaces apart, never truncated."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def wrapped_pairs(values: dict[str, Any], width: int, indent: str = "    ") -> list[str]:
    """``key=value`` pairs filled into lines of ``width``; a pair is never split."""
    lines: list[str] = []
    line = ""
    for key in sorted(values):
        value = values[key]
        text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
        pair = f"{key}={text}"
        if line and len(indent) + len(line) + 2 + len(pair) > width:
            lines.append(indent + line)
            line = pair
        else:
            line = f"{line}  {pair}" if line else pair
    if line:
        lines.append(indent + line)
    return lines


def _say(console: Console, text: str) -> None:
    """One line as is: no markup, no highlighting, no re-wrapping at the console width."""
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def run_status(run: RunRow) -> str:
    """The recorded status, except that a ``running`` run no runner holds has crashed."""
    if run.status == "running" and run.run_dir and holder_of(Path(run.run_dir)) is None:
        return "crashed (resumable)"
    return run.status


def print_runs(store: LineageStore, console: Console) -> None:
    rows = store.runs()
    if not rows:
        console.print(f"no runs recorded in {store.path}")
        return
    # the run id is what users copy into `runs show` / `run --resume`: never cut
    lines = [("RUN ID", "STATUS", "STARTED (UTC)", "DURATION", "TASKS")]
    for row in rows:
        duration = f"{row.finished - row.started:.1f}s" if row.finished else ""
        started = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(row.started))
        lines.append((row.run_id, run_status(row), started, duration, str(row.tasks)))
    _say(console, f"runs in {store.path}")
    for text in aligned(lines):
        _say(console, text)


def print_run(store: LineageStore, run_id: str, console: Console) -> None:
    """The run, its executions (outputs under each), its artifacts and every model's chain.

    Task paths, run ids and URIs are printed whole whatever the terminal width (they are
    what users look up and copy); only output values wrap, between ``key=value`` pairs.
    """
    run = store.run(run_id)
    if run is None:
        raise RunnerError(f"no run {run_id!r} in {store.path} (see `ideko runs list`)")
    _say(console, f"{run.run_id}  pipeline {run.pipeline_name}  {run_status(run)}")
    _say(console, f"run dir: {run.run_dir}")
    _say(console, f"parameters: {json.dumps(run.parameters, sort_keys=True)}")
    executions = store.executions(run_id)
    rows = [("TASK", "STATE", "ATTEMPTS", "CACHED", "DURATION")]
    for ex in executions:
        duration = f"{ex.finished - ex.started:.1f}s" if ex.started and ex.finished else ""
        rows.append((ex.task, ex.state, str(ex.attempts), "yes" if ex.cached else "", duration))
    _say(console, "\nexecutions (outputs below each task)")
    header, *lines = aligned(rows)
    _say(console, header)
    for ex, line in zip(executions, lines, strict=True):
        _say(console, line)
        for text in wrapped_pairs(ex.output_parameters, console.width):
            _say(console, text)
    _say(console, "\nartifacts (under the task that wrote them; uri below each)")
    for ex in executions:
        outputs = store.artifacts_of(ex.id, "OUTPUT")
        if not outputs:
            continue
        _say(console, ex.task)
        rows = [(name, art.type, _short(art.digest, 19)) for name, art in outputs]
        for line, (_, art) in zip(aligned(rows), outputs, strict=True):
            _say(console, f"    {line}")
            _say(console, f"        {art.uri}")
    for chain in model_chains(store, run_id):
        _print_chain(chain, console)


def _print_chain(chain: ModelChain, console: Console) -> None:
    _say(console, f"\nmodel {chain.trained_by}  {_short(chain.model.digest, 19)}")
    data = ", ".join(f"{k}={v}" for k, v in sorted(chain.data.items()))
    _say(console, f"  data      {data or '(pipeline input)'}")
    for producer, ds in chain.datasets:
        _say(console, f"  dataset   {producer}:{ds.name}  {_short(ds.digest, 19)}")
    _say(console, f"  model     {chain.model.uri}")
    for consumer, m in chain.metrics:
        values = {k: v for k, v in m.metadata.items() if isinstance(v, int | float)}
        shown = ", ".join(f"{k}={v:.4g}" for k, v in sorted(values.items()))
        _say(console, f"  metrics   {consumer}:{m.name}  {shown}")


def _short(text: str, width: int) -> str:
    """A digest shortened like git's short hashes (the full one is in the lineage database)."""
    return text if len(text) <= width else text[: width - 1] + "…"
