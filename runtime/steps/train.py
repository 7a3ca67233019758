"""Train step: one model from ``model_config`` (+ overrides) on the train split.

Three entry points, one behaviour:

- ``component(...)``: the KFP component body (artifact objects, JSON strings);
- ``run(...)``: plain Python (paths, dicts);
- ``python -m ideko.runtime.steps.train`` / ``ideko step train``: what a Katib trial runs.
  Stdout carries only Katib metric lines; everything else goes to stderr.

The mask value is the dataset's padding value: ``padding_value`` in the train artifact's
metadata or ``--padding-value`` (default 0.0, the spec default); with ``--data-config`` it
comes from the config.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ideko.runtime.artifact_uri import local_path
from ideko.runtime.cli_args import int_arg, json_arg, json_object, step_main
from ideko.runtime.errors import UserError
from ideko.runtime.file_digest import file_sha256
from ideko.runtime.training.config import apply_overrides, normalise_model_config, parse_assignment

# What a warm trial server does ahead of forking trials (ideko.local.launch.fork_server): the heavy
# imports this step makes lazily so that its CLI starts fast, TensorFlow's process set-up
# first (oneDNN switch and thread limits must precede the import, as in a fresh process),
# and the variables that set-up reads.
WARM_IMPORTS = (
    "ideko.runtime.training.environment:prepare_tensorflow",
    "keras",
    "matplotlib",
    "ideko.runtime.data.dataset_io",
    "ideko.runtime.training.datasource",
    "ideko.runtime.training.metric_output",
    "ideko.runtime.training.layers",
    "ideko.runtime.training.plots",
    "ideko.runtime.training.trainer",
    "ideko.runtime.training.tracking:preload",
)
# Literal strings: the warm server reads WARM_* without importing this module (ast); the
# first two are ideko.schema.env.NUM_THREADS / OMP_NUM_THREADS (a test checks).
WARM_ENV = ("IDEKO_NUM_THREADS", "OMP_NUM_THREADS", "TF_ENABLE_ONEDNN_OPTS", "TF_CPP_MIN_LOG_LEVEL")


def resolve_model_config(
    config: dict[str, Any] | str, overrides: dict[str, Any] | None
) -> dict[str, Any]:
    """Defaults, then overrides, then validation of the result."""
    raw = json_object(config, "model_config") if isinstance(config, str) else config
    base = normalise_model_config(raw)
    return normalise_model_config(apply_overrides(base, overrides or {}))


def run(
    model_config: dict[str, Any] | str,
    train_data: Any,
    seed: int,
    output_dir: str | Path | None,
    overrides: dict[str, Any] | None = None,
    padding_value: float = 0.0,
    score_weights: dict[str, Any] | None = None,
    emit_metrics: bool = True,
    lineage: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Train on ``train_data`` (a dataset path or a loaded dataset); returns the outputs."""
    from ideko.runtime.data.dataset_io import load_dataset
    from ideko.runtime.training import metric_output
    from ideko.runtime.training.trainer import train_model

    config = resolve_model_config(model_config, overrides)
    weights = None
    if score_weights is not None:
        try:
            weights = metric_output.parse_score_weights(score_weights)
        except ValueError as exc:
            raise UserError(str(exc)) from exc
    dataset = train_data
    lineage = dict(lineage or {})
    if isinstance(train_data, str | Path):
        source = local_path(str(train_data), "train data")
        dataset = load_dataset(source)
        lineage.setdefault("train_data", str(train_data))
        lineage.setdefault("train_data_sha256", file_sha256(source))
    from ideko.runtime.training.trainer import validation_mask

    split = float(config["training_parameters"]["validation_split"])
    held = validation_mask(len(dataset), dataset.validation, split)
    if held.all() or not held.any():
        rule = (
            "its validation rows"
            if dataset.validation is not None
            else (f"validation_split={split}")
        )
        raise UserError(
            f"the train split holds {len(dataset)} series: {rule} leave "
            f"{int((~held).sum())} to train and {int(held.sum())} to validate on; "
            "training needs both"
        )
    result = train_model(
        config,
        dataset.X,
        dataset.y,
        seed=seed,
        output_dir=output_dir,
        padding_value=padding_value,
        score_weights=weights,
        emit_metrics=emit_metrics,
        lineage=lineage,
        validation_rows=dataset.validation,
    )
    from ideko.runtime.training.tracking import log_training

    log_training(
        config,
        result.history,
        {
            "final_validation_accuracy": float(result.validation_accuracy),
            "training_time": float(result.training_time),
            "best_epoch": float(result.best_epoch),
        },
        seed,
        overrides,
        output_dir,
    )
    return {
        "validation_accuracy": float(result.validation_accuracy),
        "training_time": float(result.training_time),
        "best_epoch": result.best_epoch,
        "notes": result.notes,
        "model_config": config,
    }


def padding_of(metadata: dict[str, Any]) -> float:
    """The mask value recorded on a dataset artifact by preprocess (0.0, the default, if none)."""
    if "padding_value" in metadata:
        return float(metadata["padding_value"])
    padding = metadata.get("padding")
    if isinstance(padding, dict) and "value" in padding:
        return float(padding["value"])
    return 0.0


def _artifact_lineage(train_data: Any, meta: dict[str, Any]) -> dict[str, Any]:
    """Where the train split came from: its URI and preprocess's source-data fingerprint."""
    lineage = {"train_data": str(getattr(train_data, "uri", "") or train_data.path)}
    if "fingerprint" in meta:
        lineage["data_fingerprint"] = meta["fingerprint"]
    if "data_version" in meta:  # the commit a versioned source was read at
        lineage["data_version"] = meta["data_version"]
    return lineage


def component(
    model_config: str, overrides: str, seed: int, train_data: Any, model: Any
) -> dict[str, Any]:
    """KFP body: trains into the ``model`` directory artifact and records its metadata."""
    meta = getattr(train_data, "metadata", None) or {}
    outputs = run(
        model_config,
        train_data.path,
        int(seed),
        model.path,
        overrides=json_object(overrides or "{}", "overrides"),
        padding_value=padding_of(meta),
        lineage=_artifact_lineage(train_data, meta),
    )
    config = outputs["model_config"]
    model.metadata.update(
        {
            "model_name": config["name"],
            "architecture": config["architecture"],
            "keras_file": config["name_parameters"]["model_name"],
            "validation_accuracy": outputs["validation_accuracy"],
            "training_time": outputs["training_time"],
        }
    )
    return {
        "validation_accuracy": outputs["validation_accuracy"],
        "training_time": outputs["training_time"],
    }


def build_parser(prog: str = "python -m ideko.runtime.steps.train") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n")[0])
    parser.add_argument(
        "--model-config",
        required=True,
        type=json_arg("--model-config"),
        help="model_config JSON object (or @file.json)",
    )
    data = parser.add_mutually_exclusive_group(required=True)
    data.add_argument(
        "--train-data", help="train split .npz (path, file://, s3://, minio:// or gs:// URI)"
    )
    data.add_argument("--data-uri", help="raw IDEKO data folder; needs --data-config")
    parser.add_argument(
        "--data-ref", default="", help="with a versioned --data-uri: branch, tag or commit"
    )
    parser.add_argument(
        "--data-config",
        type=json_arg("--data-config"),
        help="data_config JSON; with --data-uri, prepares the split here",
    )
    parser.add_argument(
        "--set",
        dest="assignments",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override, e.g. training_parameters.batch_size=32",
    )
    parser.add_argument(
        "--overrides",
        type=json_arg("--overrides"),
        default={},
        help="overrides JSON object of dotted paths (applied before --set)",
    )
    parser.add_argument("--seed", type=int_arg, default=2, help="training seed (default 2)")
    parser.add_argument("--output", help="model directory to write (optional for trials)")
    parser.add_argument(
        "--padding-value", type=float, default=None, help="mask value of --train-data (default 0.0)"
    )
    parser.add_argument(
        "--score-weights",
        type=json_arg("--score-weights"),
        help='also print score=...: {"validation_accuracy": w, "training_time": w, '
        '"time_reference_seconds": s}',
    )
    return parser


def _action(args: argparse.Namespace) -> int:
    overrides = dict(args.overrides)
    overrides.update(parse_assignment(text) for text in args.assignments)
    padding = 0.0 if args.padding_value is None else args.padding_value
    if args.data_uri is not None:
        if args.data_config is None:
            raise UserError("--data-uri needs --data-config")
        from ideko.runtime.training.datasource import prepare_train_split

        train_data, padding, lineage = prepare_train_split(
            args.data_uri, args.data_config, args.seed, args.data_ref
        )
    else:
        if args.data_config is not None:
            padding = float(args.data_config.get("padding", {}).get("value", padding))
        train_data, lineage = args.train_data, {}
    outputs = run(
        args.model_config,
        train_data,
        args.seed,
        args.output,
        overrides=overrides,
        padding_value=padding,
        score_weights=args.score_weights,
        lineage=lineage,
    )
    for note in outputs["notes"]:
        print(f"note: {note}", file=sys.stderr)
    print(
        json.dumps({k: outputs[k] for k in ("validation_accuracy", "training_time", "best_epoch")}),
        file=sys.stderr,
    )
    return 0


main = step_main(build_parser, _action)


if __name__ == "__main__":
    sys.exit(main())
