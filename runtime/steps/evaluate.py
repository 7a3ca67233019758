"""Evaluate step: scores a trained model on the test split and on the whole dataset.

Writes the ``evaluation`` JSON (test and whole-dataset metrics, per-class by class name,
labelled confusion matrix, training history, latency, size, class distribution) and, in a
pipeline, logs KFP ``Metrics`` and a ``ClassificationMetrics`` confusion matrix.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ideko.runtime.artifact_uri import local_path
from ideko.runtime.cli_args import add_required, json_arg, json_object, step_main
from ideko.runtime.errors import UserError


def model_file(model_dir: Path, config: dict[str, Any]) -> Path:
    """The ``.keras`` file of a model directory (named by ``name_parameters.model_name``)."""
    named = model_dir / str(config.get("name_parameters", {}).get("model_name", ""))
    if named.is_file():
        return named
    found = sorted(model_dir.glob("*.keras"))
    if len(found) != 1:
        raise UserError(f"model directory {model_dir} must hold exactly one .keras file")
    return found[0]


def read_history(model_dir: Path) -> dict[str, Any]:
    """``history.json`` written by the train step ({} when absent)."""
    path = model_dir / "history.json"
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def _load(data: Any, what: str) -> Any:
    from ideko.runtime.data.dataset_io import load_dataset

    if isinstance(data, str | Path):
        return load_dataset(local_path(str(data), what))
    return data


def run(
    model_config: dict[str, Any] | str,
    model_dir: str | Path,
    train_data: Any,
    test_data: Any,
    evaluation_path: str | Path | None = None,
    data_quality: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Evaluate the model in ``model_dir``; write and return the evaluation document.

    ``data_quality`` (the preprocess step's verdict, reasons and validation set, carried on
    the train artifact's metadata) is copied into the document, so the report lists it.
    """
    from ideko.runtime.atomic import write_json
    from ideko.runtime.training.config import normalise_model_config
    from ideko.runtime.training.environment import prepare_tensorflow
    from ideko.runtime.training.evaluation import evaluate_model, summary_metrics
    from ideko.runtime.training.trainer import load_model

    raw = (
        json_object(model_config, "model_config") if isinstance(model_config, str) else model_config
    )
    folder = local_path(str(model_dir), "model directory")
    if not folder.is_dir():
        raise UserError(f"model directory {folder} does not exist")
    trained = read_history(folder)
    # The trained config carries the overrides (e.g. a tuned batch size) the pipeline applied.
    config = normalise_model_config(trained.get("model_config", raw))
    train, test = _load(train_data, "train data"), _load(test_data, "test data")
    keras_file = model_file(folder, config)
    prepare_tensorflow()
    model = load_model(keras_file)
    batch = int(config["training_parameters"]["batch_size"])
    result = evaluate_model(model, keras_file, train, test, batch_size=batch)
    training_time = float(trained.get("training_time", 0.0))
    document = {
        "model_name": config["name"],
        "key": config.get("key", config["name"]),
        "architecture": config["architecture"],
        "model_config": config,
        **result,
        "summary": summary_metrics(result, training_time),
        "training_time": training_time,
        "history": trained.get("history", {}),
        "best_epoch": trained.get("best_epoch"),
        "notes": trained.get("notes", []),
        "lineage": trained.get("lineage", {}),
        "class_distribution": {
            "train": train.class_distribution(),
            **(
                {"validation": train.validation_distribution()}
                if train.validation is not None
                else {}
            ),
            "test": test.class_distribution(),
        },
    }
    if data_quality:
        document["data_quality"] = data_quality
    if evaluation_path is not None:
        write_json(evaluation_path, document)
    return document


def component(
    model_config: str,
    model: Any,
    train_data: Any,
    test_data: Any,
    metrics: Any,
    classification_metrics: Any,
    evaluation: Any,
) -> dict[str, Any]:
    """KFP body: evaluation JSON artifact plus Metrics / ClassificationMetrics logging."""
    quality = (getattr(train_data, "metadata", None) or {}).get("data_quality")
    document = run(
        model_config, model.path, train_data.path, test_data.path, evaluation.path, quality
    )
    from ideko.runtime.training.evaluation import SUMMARY_KEYS  # logged as KFP Metrics

    for name in SUMMARY_KEYS:
        metrics.log_metric(name, float(document["summary"][name]))
    matrix = document["test"]["confusion_matrix"]
    classification_metrics.log_confusion_matrix(matrix["labels"], matrix["matrix"])
    evaluation.metadata.update({"model_name": document["model_name"], **document["summary"]})
    return {
        "accuracy": float(document["summary"]["accuracy"]),
        "macro_f1": float(document["summary"]["macro_f1"]),
    }


def build_parser(prog: str = "python -m ideko.runtime.steps.evaluate") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n")[0])
    parser.add_argument("--model-config", required=True, type=json_arg("--model-config"))
    add_required(
        parser,
        {
            "--model": "model directory written by the train step",
            "--train-data": "train split .npz",
            "--test-data": "test split .npz",
            "--output": "evaluation JSON to write",
        },
    )
    parser.add_argument(
        "--metadata",
        help="the preprocess step's dataset metadata JSON: its data-quality findings and "
        "validation set go into the evaluation (and the report)",
    )
    return parser


def _action(args: argparse.Namespace) -> int:
    quality = None
    if args.metadata:
        from ideko.runtime.data.dataset_io import load_metadata, quality_findings

        quality = quality_findings(load_metadata(args.metadata))
    document = run(
        args.model_config, args.model, args.train_data, args.test_data, args.output, quality
    )
    print(json.dumps(document["summary"], sort_keys=True))
    return 0


main = step_main(build_parser, _action)


if __name__ == "__main__":
    sys.exit(main())
