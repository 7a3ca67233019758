"""Run-start pinning of versioned data: the ``data_ref`` parameter becomes a commit id.

A branch name in ``data_ref`` would let KFP's cache key stay the same while the branch moves
(stale cache) and let two tasks of one run read different data. So before anything runs, the
ref is resolved once (``ideko.runtime.data.sources.resolve.pin``) and the run carries the
commit id from then on; an unknown repository or ref fails here, before any training. The
lakeFS endpoint the compiler set on the reading task's container is used for the lookup.
With the spec's ``run_branches`` switch, the run also gets its own branch from that commit.
"""

from __future__ import annotations

import os
from typing import Any

from ideko.local.runner.errors import RunnerError
from ideko.local.runner.ir import Pipeline
from ideko.schema.ir_platform import PLATFORM, RUN_BRANCHES_KEY

DATA_URI = "data_uri"
DATA_REF = "data_ref"


def _reader_environment(pipeline: Pipeline) -> dict[str, str]:
    """This process's environment plus the env entries of tasks that take ``data_ref``."""
    environ = dict(os.environ)
    for node in pipeline.containers():
        inputs = node.spec.get("inputs", {}).get("parameters", {})
        takes_ref = any(p.get("componentInputParameter") == DATA_REF for p in inputs.values())
        if takes_ref:
            for item in (node.executor or {}).get("env", []):
                environ.setdefault(item["name"], str(item.get("value", "")))
    return environ


def pin_data_ref(pipeline: Pipeline, parameters: dict[str, Any]) -> dict[str, Any]:
    """``parameters`` with ``data_ref`` replaced by the commit it names now (unchanged when
    the pipeline has no ``data_ref`` parameter or the source is an unversioned path)."""
    if DATA_REF not in parameters or DATA_URI not in parameters:
        return parameters
    from ideko.runtime.data.errors import DataError
    from ideko.runtime.data.sources.resolve import pin

    try:
        version = pin(
            str(parameters[DATA_URI]), str(parameters[DATA_REF]), _reader_environment(pipeline)
        )
    except DataError as exc:
        raise RunnerError(f"data: {exc}") from exc
    if version.commit is None:
        return parameters
    return {**parameters, DATA_REF: version.commit}


def create_run_branch(pipeline: Pipeline, parameters: dict[str, Any], run_id: str) -> str | None:
    """The spec's per-run isolation: a branch for this run from its pinned commit (None when
    the spec does not ask for one). Name: ``ideko/<run-id>`` (lakeFS: ``ideko-<run-id>``)."""
    config = pipeline.platform.get("platforms", {}).get(PLATFORM, {}).get("config", {})
    if not config.get(RUN_BRANCHES_KEY) or DATA_REF not in parameters:
        return None
    from ideko.runtime.data.errors import DataError
    from ideko.runtime.data.sources.resolve import open_source

    try:
        source = open_source(str(parameters[DATA_URI]), _reader_environment(pipeline))
        name = source.run_branch_name(run_id)
        source.create_branch(name, str(parameters[DATA_REF]))
    except DataError as exc:
        raise RunnerError(f"data: cannot create the run's branch: {exc}") from exc
    return name
