"""Training data straight from a raw IDEKO folder (Katib trials without a preprocess step).

Calls the data layer's ``prepare`` exactly as the preprocess step does, with the pipeline
seed, so a trial trains on the same train split the pipeline would.
"""

from __future__ import annotations

import sys
from typing import Any

from ideko.runtime.artifact_uri import local_path


def prepare_train_split(
    data_uri: str, data_config: dict[str, Any], seed: int
) -> tuple[Any, float, dict[str, Any]]:
    """Return (train dataset, padding value, lineage); a failed gate is reported on stderr."""
    from ideko.runtime.data.prepare import as_config, prepare

    config = as_config(data_config)
    train, _test, metadata, report = prepare(local_path(data_uri, "--data-uri"), config, seed)
    if report.verdict == "FAIL":
        reasons = "; ".join(report.failures)
        print(f"warning: data quality gate FAIL ({reasons}); training anyway", file=sys.stderr)
    lineage = {"data_uri": data_uri, "data_fingerprint": metadata["source"]["fingerprint"]}
    return train, float(config.padding_value), lineage
