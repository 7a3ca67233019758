"""MLflow tracking of training runs and Katib trials, when a tracking URI is configured.

A cluster's KFP MLflow plugin sets ``MLFLOW_TRACKING_URI`` (and ``MLFLOW_RUN_ID``: the
task's run, which is then logged into); without it the compiled ``IDEKO_TRACKING_URI``
(the spec's embedded registry folder) is used. With neither, nothing is imported or
logged. Params are the resolved model config, per-epoch metrics come from the Keras history
(one step per epoch), artifacts are the model directory. Tracking never fails training: a
store that cannot be written is one warning on stderr.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ideko.schema import env

MAX_PARAM = 500  # MLflow's limit on a param value's length
BATCH = 1000  # MLflow's limit on metrics per log_batch
# What logging a run imports: ~2.5 s of CPU for the client, ~1.5 s more for the SQLAlchemy
# stores of an embedded (SQLite) store. A warm server imports them once for all its forks.
CLIENT_MODULES = ("mlflow", "mlflow.entities", "ideko.runtime.registry.mlflow_store")
EMBEDDED_STORE_MODULES = (
    "mlflow.store.tracking.sqlalchemy_store",
    "mlflow.store.model_registry.sqlalchemy_store",
)


def tracking_target() -> tuple[str, Any] | None:
    """``(tracking URI as configured, RegistryLocation)``, or None when tracking is off."""
    configured = os.environ.get(env.MLFLOW_TRACKING_URI) or os.environ.get(env.TRACKING_URI)
    if not configured:
        return None
    from ideko.runtime.registry.uri import parse_location

    return configured, parse_location(configured)


def preload() -> None:
    """Warm-server set-up (a ``WARM_IMPORTS`` entry): import the MLflow client when this
    process' environment configures tracking, the embedded store's modules too; with
    tracking off, nothing (a server that never logs does not pay for MLflow)."""
    target = tracking_target()
    if target is not None:
        import_client(embedded=target[1].artifact_root is not None)


def import_client(embedded: bool = True) -> None:
    """Import what :func:`log_training` imports (imports only: no store is opened)."""
    for name in (*CLIENT_MODULES, *(EMBEDDED_STORE_MODULES if embedded else ())):
        importlib.import_module(name)


def flat_params(config: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Dotted keys of a nested config, values as strings within MLflow's length limit."""
    out: dict[str, str] = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flat_params(value, f"{name}."))
        else:
            out[name] = str(value)[:MAX_PARAM]
    return out


def log_training(
    config: Mapping[str, Any],
    history: Mapping[str, list[float]],
    summary: Mapping[str, float],
    seed: int,
    overrides: Mapping[str, Any] | None,
    model_dir: str | Path | None,
) -> str | None:
    """Log one training (a pipeline train task, or a trial when ``model_dir`` is None);
    returns the MLflow run id, or None when tracking is off or failed."""
    target = tracking_target()
    if target is None:
        return None
    configured, location = target
    try:
        return _log(location, config, history, summary, seed, overrides, model_dir)
    except Exception as exc:  # tracking is a side channel: report, never fail the training
        print(f"warning: MLflow tracking at {configured} failed: {type(exc).__name__}: {exc}",
              file=sys.stderr)
        return None


def _log(
    location: Any,
    config: Mapping[str, Any],
    history: Mapping[str, list[float]],
    summary: Mapping[str, float],
    seed: int,
    overrides: Mapping[str, Any] | None,
    model_dir: str | Path | None,
) -> str:
    from ideko.runtime.registry.mlflow_store import (
        DEFAULT_EXPERIMENT,
        ensure_experiment,
        open_client,
    )
    from mlflow.entities import Metric, Param, RunTag

    client = open_client(location)
    kind = "train" if model_dir is not None else "trial"
    run_id = os.environ.get(env.MLFLOW_RUN_ID)
    own = not run_id
    if own:
        experiment = (
            os.environ.get(env.MLFLOW_EXPERIMENT_NAME)
            or os.environ.get(env.TRACKING_EXPERIMENT)
            or DEFAULT_EXPERIMENT
        )
        experiment_id = ensure_experiment(client, experiment, location)
        run_id = client.create_run(experiment_id, run_name=f"{kind}-{config['name']}").info.run_id
    params = {
        **flat_params({k: config[k] for k in ("model_parameters", "training_parameters")}),
        "architecture": str(config["architecture"]),
        "seed": str(seed),
        **{f"override.{k}": str(v)[:MAX_PARAM] for k, v in (overrides or {}).items()},
    }
    now = int(time.time() * 1000)
    metrics = [
        Metric(key, float(value), now, step)
        for key, values in history.items()
        for step, value in enumerate(values, start=1)
    ]
    metrics += [Metric(k, float(v), now, 0) for k, v in summary.items()]
    tags = [
        RunTag("ideko.kind", kind),
        RunTag("ideko.model", str(config["name"])),
        RunTag("ideko.architecture", str(config["architecture"])),
    ]
    if os.environ.get(env.RUN_ID) or os.environ.get(env.KFP_RUN_ID):
        tags.append(RunTag("ideko.pipeline_run_id",
                           os.environ.get(env.RUN_ID) or os.environ.get(env.KFP_RUN_ID, "")))
    client.log_batch(run_id, params=[Param(k, v) for k, v in params.items()], tags=tags)
    for start in range(0, len(metrics), BATCH):  # MLflow takes at most 1000 per call
        client.log_batch(run_id, metrics=metrics[start : start + BATCH])
    if model_dir is not None and Path(model_dir).is_dir():
        client.log_artifacts(run_id, str(model_dir), "model")
    if own:  # MLflow prints "View run" links: stdout is Katib's metric channel
        with contextlib.redirect_stdout(sys.stderr):
            client.set_terminated(run_id)
    return str(run_id)
