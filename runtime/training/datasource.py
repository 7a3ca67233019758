"""Training data straight from a raw IDEKO folder (Katib trials without a preprocess step).

Calls the data layer's ``prepare`` exactly as the preprocess step does, with the pipeline
seed, so a trial trains on the same train split the pipeline would.
"""

from __future__ import annotations

import sys
from typing import Any

from ideko.runtime.artifact_uri import local_path


def prepare_train_split(
    data_uri: str, data_config: dict[str, Any], seed: int, data_ref: str = ""
) -> tuple[Any, float, dict[str, Any]]:
    """Return (train dataset, padding value, lineage); a failed gate is reported on stderr.
    A versioned ``data_uri`` (lakefs://, dvc+) is read at the commit ``data_ref`` names."""
    from ideko.runtime.data.prepare import as_config, prepare
    from ideko.runtime.data.sources.resolve import is_versioned, materialize

    config = as_config(data_config)
    if is_versioned(data_uri):
        folder, version = materialize(data_uri, data_ref)
    else:
        folder, version = local_path(data_uri, "--data-uri"), None
    train, _test, metadata, report = prepare(folder, config, seed)
    if report.verdict == "FAIL":
        reasons = "; ".join(report.failures)
        print(f"warning: data quality gate FAIL ({reasons}); training anyway", file=sys.stderr)
    lineage = {"data_uri": data_uri, "data_fingerprint": metadata["source"]["fingerprint"]}
    if version is not None:
        lineage["data_version"] = version.to_dict()
    return train, float(config.padding_value), lineage
