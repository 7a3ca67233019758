"""``ideko runs list`` / ``ideko runs show``: read the lineage database and print runs,
executions, artifacts and, for every model, the chain data -> datasets -> model -> metrics.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from ideko.local.runner.errors import RunnerError
from ideko.local.runner.lineage import ArtifactRow, ExecutionRow, LineageStore
from rich.console import Console
from rich.table import Table

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


def print_runs(store: LineageStore, console: Console) -> None:
    rows = store.runs()
    if not rows:
        console.print(f"no runs recorded in {store.path}")
        return
    # kubectl-style aligned columns, never truncated: the run id is what users copy into
    # `runs show` / `run --resume`, and a rich table cuts cells to the terminal width.
    header = ("RUN ID", "STATUS", "STARTED (UTC)", "DURATION", "TASKS")
    lines = [header]
    for row in rows:
        duration = f"{row['finished'] - row['started']:.1f}s" if row["finished"] else ""
        started = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(row["started"]))
        lines.append((row["run_id"], row["status"], started, duration, str(row["tasks"])))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    console.print(f"runs in {store.path}", highlight=False)
    for line in lines:
        text = "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True))
        console.print(text.rstrip(), highlight=False, soft_wrap=True)


def print_run(store: LineageStore, run_id: str, console: Console) -> None:
    run = store.run(run_id)
    if run is None:
        raise RunnerError(f"no run {run_id!r} in {store.path} (see `ideko runs list`)")
    console.print(f"[bold]{run['run_id']}[/]  pipeline {run['pipeline_name']}  {run['status']}")
    console.print(f"run dir: {run['run_dir']}")
    console.print(f"parameters: {run['parameters']}")
    executions = store.executions(run_id)
    table = Table(title="executions")
    for column in ("task", "state", "attempts", "cached", "duration", "outputs"):
        table.add_column(column)
    for ex in executions:
        duration = f"{ex.finished - ex.started:.1f}s" if ex.started and ex.finished else ""
        outputs = _short(json.dumps(ex.output_parameters, sort_keys=True), 70)
        table.add_row(
            ex.task, ex.state, str(ex.attempts), "yes" if ex.cached else "", duration, outputs
        )
    console.print(table)
    artifacts = Table(title="artifacts")
    for column in ("producer", "name", "type", "digest", "uri"):
        artifacts.add_column(column, overflow="fold")
    for ex in executions:
        for name, art in store.artifacts_of(ex.id, "OUTPUT"):
            artifacts.add_row(ex.task, name, art.type, _short(art.digest, 19), art.uri)
    console.print(artifacts)
    for chain in model_chains(store, run_id):
        _print_chain(chain, console)


def _print_chain(chain: ModelChain, console: Console) -> None:
    console.print(f"\n[bold]model[/] {chain.trained_by}  {_short(chain.model.digest, 19)}")
    data = ", ".join(f"{k}={v}" for k, v in sorted(chain.data.items()))
    console.print(f"  data      {data or '(pipeline input)'}")
    for producer, ds in chain.datasets:
        console.print(f"  dataset   {producer}:{ds.name}  {_short(ds.digest, 19)}")
    console.print(f"  model     {chain.model.uri}")
    for consumer, m in chain.metrics:
        values = {k: v for k, v in m.metadata.items() if isinstance(v, int | float)}
        shown = ", ".join(f"{k}={v:.4g}" for k, v in sorted(values.items()))
        console.print(f"  metrics   {consumer}:{m.name}  {shown}")


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
