"""Register step: publish the selected model as a new registry version; champion/challenger.

The model directory (``.keras``, ``evaluation.json``, the dataset metadata it was trained
on) becomes the next version of ``model_name`` in the spec's registry (MLflow: embedded
SQLite store or a tracking server; or a Kubeflow Model Registry), tagged with its metrics,
selection score, architecture and config, data fingerprint and commit, spec identity, git
commit, pipeline run and a checksum of the files. It gets alias ``challenger`` and becomes
``champion`` only if it beats the current one on the same test set by the promotion margin
(:mod:`ideko.runtime.registry.promotion`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from ideko.runtime.artifact_uri import local_path
from ideko.runtime.cli_args import json_arg, json_object, step_main
from ideko.runtime.document_files import read_json
from ideko.runtime.errors import UserError
from ideko.runtime.file_digest import file_sha256
from ideko.schema import env
from ideko.schema.registry import REGISTERED_NAME

EVALUATION_FILE = "evaluation.json"
VALIDATION_KEYS = ("validation_accuracy", "best_epoch", "training_time")


def git_commit(folder: Path) -> str | None:
    """HEAD of the git repository around ``folder`` (None outside one, or without git)."""
    try:
        out = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = out.stdout.strip()
    return commit if out.returncode == 0 and commit else None


def pipeline_run_id() -> str | None:
    """The run this task belongs to: the local runner's id, else KFP's."""
    return os.environ.get(env.RUN_ID) or os.environ.get(env.KFP_RUN_ID) or None


def version_tags(
    evaluation: dict[str, Any],
    metadata: dict[str, Any],
    config: dict[str, Any],
    checksum: str,
    test_set_sha256: str | None,
    score: float | None,
) -> dict[str, str]:
    """Every tag a registered version carries (strings; structured values as JSON)."""
    from ideko.runtime.registry import tags

    history = evaluation.get("history") or {}
    validation = {
        "validation_accuracy": max(history.get("val_accuracy") or [None]),
        "validation_loss": min(history.get("val_loss") or [None]),
        "best_epoch": evaluation.get("best_epoch"),
        "training_time": evaluation.get("training_time"),
    }
    validation = {k: v for k, v in validation.items() if v is not None}
    version = metadata.get("data_version") or {}
    spec = config.get("spec") or {}
    values: dict[str, Any] = {
        tags.CHECKSUM: checksum,
        tags.SOURCE_MODEL: evaluation.get("model_name"),
        tags.ARCHITECTURE: evaluation.get("architecture"),
        tags.MODEL_CONFIG: evaluation.get("model_config"),
        tags.TEST_METRICS: evaluation.get("summary", {}),
        tags.VALIDATION_METRICS: validation,
        tags.SELECTION_SCORE: score,
        tags.DATA_FINGERPRINT: (metadata.get("source") or {}).get("fingerprint")
        or (evaluation.get("lineage") or {}).get("data_fingerprint"),
        tags.DATA_COMMIT: version.get("commit") if isinstance(version, dict) else None,
        tags.DATA_VERSION: version or None,
        tags.TEST_SET: test_set_sha256,
        tags.SPEC_NAME: spec.get("name"),
        tags.SPEC_VERSION: spec.get("version"),
        tags.SPEC_SHA256: spec.get("sha256"),
        tags.GIT_COMMIT: git_commit(Path.cwd()),
        tags.RUN_ID: pipeline_run_id(),
    }
    return {key: tags.encode(value) for key, value in values.items() if value is not None}


def _read_metadata(path: str | Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    source = local_path(str(path), "dataset metadata")
    value = read_json(source, lambda message: UserError(f"dataset metadata: {message}"))
    return value if isinstance(value, dict) else {}


def run(
    model_name: str,
    registry_uri: str,
    best_model: str | Path,
    registry_config: dict[str, Any] | str | None = None,
    test_data: str | Path | None = None,
    dataset_metadata: str | Path | None = None,
    score: float | None = None,
    best_model_uri: str | None = None,
) -> dict[str, Any]:
    """Register ``best_model`` (``best_model_uri``: where it lives for backends that only
    point at files, e.g. its KFP artifact URI); returns ``{name, version, alias, reason,
    decision, uri, backend, registry_uri}``."""
    from ideko.runtime.registry import open_registry
    from ideko.runtime.registry.checksum import directory_checksum
    from ideko.runtime.registry.promotion import decide, promotion_lock
    from ideko.runtime.report.ranking import metric_key, passes_promotion
    from ideko.runtime.serving.package import is_package, servable_copy

    config = _config(registry_config)
    if not REGISTERED_NAME.match(model_name or ""):
        raise UserError(f"model name {model_name!r}: use letters, digits, '.', '_' or '-'")
    source = local_path(str(best_model), "best model")
    if not source.is_dir() or not any(source.glob("*.keras")):
        raise UserError(f"best model {source} is not a model directory with a .keras file")
    evaluation_file = source / EVALUATION_FILE
    if not evaluation_file.is_file():
        raise UserError(f"best model {source} has no {EVALUATION_FILE} (written by compare)")
    evaluation = read_json(evaluation_file, lambda m: UserError(f"evaluation: {m}"))
    promotion = dict(config.get("promotion") or {})
    gate = {k: promotion[k] for k in ("metric", "threshold") if k in promotion}
    if gate and not passes_promotion(evaluation.get("summary", {}), gate):
        raise UserError(
            f"{evaluation.get('model_name')} does not reach {gate['metric']} >= "
            f"{gate['threshold']}: not registered"
        )
    metadata = _read_metadata(dataset_metadata)
    test_path = local_path(str(test_data), "test data") if test_data is not None else None
    test_sha = file_sha256(test_path) if test_path is not None and test_path.is_file() else None
    registry = open_registry(registry_uri, config.get("backend"))
    with tempfile.TemporaryDirectory(prefix="ideko-register-") as scratch:
        files, files_uri = source, best_model_uri or source.resolve().as_uri()
        if registry.stores_files:  # the version's copy is the servable package
            files, files_uri = Path(scratch) / "model", None
            shutil.copytree(source, files)
            servable_copy(files, metadata)
        elif is_package(source):  # the registry points at these files: check them first
            servable_copy(source, metadata)
        values = version_tags(
            evaluation, metadata, config, directory_checksum(files), test_sha, score
        )
        location = getattr(registry, "location", None)
        with promotion_lock(getattr(location, "artifact_root", None)):
            created = registry.create_version(
                model_name, str(files), values, os.environ.get(env.MLFLOW_RUN_ID), files_uri
            )
            metric = str(promotion.get("metric") or "accuracy")
            decision = decide(
                registry,
                created,
                metric,
                metric_key(metric),
                float(promotion.get("margin") or 0.0),
                _rescorer(test_path, metadata, evaluation),
            )
    return {
        "name": model_name,
        "version": created.version,
        "alias": decision.alias,
        "reason": decision.reason,
        "decision": decision,
        "uri": created.model_uri,
        "backend": registry.backend,
        "registry_uri": registry_uri,
    }


def _rescorer(
    test_path: Path | None, metadata: dict[str, Any], evaluation: dict[str, Any]
) -> Any:
    """Scores a champion's files on this run's test split (the same data as the new one)."""
    from ideko.runtime.registry.base import RegistryError

    padding = metadata.get("padding") or {}
    pad = (float(padding.get("value", 0.0)), str(padding.get("side", "post")))

    def rescore(files: Path, _version: Any) -> dict[str, Any]:
        from ideko.runtime.registry.champion_eval import evaluate_on

        if test_path is None:
            raise RegistryError("no test data was given to re-evaluate the champion on")
        champion_eval = files / EVALUATION_FILE
        classes = None
        if champion_eval.is_file():
            labels = json.loads(champion_eval.read_text("utf-8")).get("test", {})
            classes = (labels.get("confusion_matrix") or {}).get("labels")
        return evaluate_on(files, test_path, pad, classes)

    return rescore


def _config(value: dict[str, Any] | str | None) -> dict[str, Any]:
    if value is None:
        return {}
    return json_object(value, "registry_config") if isinstance(value, str) else dict(value)


def component(
    model_name: str,
    registry_uri: str,
    registry_config: str,
    best_model: Any,
    test_data: Any,
    dataset_metadata: Any,
    registered_model: Any,
) -> dict[str, Any]:
    """KFP body: registers ``best_model`` and describes the entry in ``registered_model``."""
    from dataclasses import asdict

    from ideko.runtime.atomic import write_json

    score = (getattr(best_model, "metadata", None) or {}).get("score")
    outputs = run(
        model_name,
        registry_uri,
        best_model.path,
        registry_config,
        test_data.path,
        dataset_metadata.path,
        float(score) if isinstance(score, int | float) else None,
        getattr(best_model, "uri", None) or None,
    )
    record = {k: v for k, v in outputs.items() if k != "decision"}
    write_json(registered_model.path, {**record, "decision": asdict(outputs["decision"])})
    registered_model.metadata.update(
        {
            "name": model_name,
            "version": outputs["version"],
            "registry_uri": registry_uri,
            "registry_backend": outputs["backend"],
            "alias": outputs["alias"],
            "model_uri": outputs["uri"],
        }
    )
    print(f"registered {model_name} v{outputs['version']} as {outputs['alias']}: "
          f"{outputs['reason']}", file=sys.stderr)
    return {"version": outputs["version"], "alias": outputs["alias"]}


def build_parser(prog: str = "python -m ideko.runtime.steps.register") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n")[0])
    parser.add_argument("--model-name", required=True, help="registered model name")
    parser.add_argument(
        "--registry-uri",
        required=True,
        help="registry: a folder (embedded MLflow), sqlite:///…, http(s)://… (MLflow server), "
        "kubeflow+http(s)://… (Kubeflow Model Registry)",
    )
    parser.add_argument("--best-model", required=True, help="model directory from the compare step")
    parser.add_argument(
        "--registry-config",
        type=json_arg("--registry-config"),
        default={},
        help='{"backend": ..., "promotion": {"metric", "threshold", "margin"}, "spec": {...}}',
    )
    parser.add_argument("--test-data", help="test split .npz (to re-evaluate the champion)")
    parser.add_argument("--dataset-metadata", help="dataset metadata JSON of the split")
    return parser


def _action(args: argparse.Namespace) -> int:
    outputs = run(
        args.model_name,
        args.registry_uri,
        args.best_model,
        args.registry_config,
        args.test_data,
        args.dataset_metadata,
    )
    print(json.dumps({k: outputs[k] for k in ("name", "version", "alias", "reason", "uri")}))
    return 0


main = step_main(build_parser, _action)


if __name__ == "__main__":
    sys.exit(main())
