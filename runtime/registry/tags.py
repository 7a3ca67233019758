"""Tag keys a registered version carries, and how a register step fills them.

Tags are strings in both backends (MLflow tags; Model Registry string custom properties),
so structured values (metrics, configs) are JSON. One module names every key so the
register step, ``ideko models`` and the tests read the same ones.
"""

from __future__ import annotations

import json
from typing import Any

PREFIX = "ideko."
CHECKSUM = "ideko.checksum"
SOURCE_MODEL = "ideko.source_model"
ARCHITECTURE = "ideko.architecture"
MODEL_CONFIG = "ideko.model_config"
TEST_METRICS = "ideko.metrics.test"
VALIDATION_METRICS = "ideko.metrics.validation"
SELECTION_SCORE = "ideko.selection_score"
DATA_FINGERPRINT = "ideko.data_fingerprint"
DATA_COMMIT = "ideko.data_commit"
DATA_VERSION = "ideko.data_version"
TEST_SET = "ideko.test_set_sha256"
SPEC_NAME = "ideko.spec_name"
SPEC_VERSION = "ideko.spec_version"
SPEC_SHA256 = "ideko.spec_sha256"
GIT_COMMIT = "ideko.git_commit"
RUN_ID = "ideko.pipeline_run_id"
PROMOTION = "ideko.promotion"  # JSON: the decision and why
CHAMPION_EVALUATION = "ideko.champion_evaluation"  # stored_metrics | re_evaluated | none
# On the registered model: every champion change, newest last (JSON list).
CHAMPION_HISTORY = "ideko.champion_history"
# Kubeflow Model Registry only: aliases live in this custom property (JSON {alias: version}).
ALIASES = "ideko.aliases"


def encode(value: Any) -> str:
    """A tag value: strings as they are, everything else as compact sorted JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def decode_json(text: str | None, default: Any) -> Any:
    """A JSON tag's value, ``default`` when absent or not JSON."""
    if not text:
        return default
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return default
