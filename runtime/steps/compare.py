"""Compare step: rank every evaluated model, write the HTML report, pick and gate the best.

Outputs the ``ranking`` JSON, the self-contained ``report`` HTML and ``best_model`` (a copy
of the winner's model directory plus its ``evaluation.json``, which ``register`` reads, and,
given the dataset metadata, packaged for serving: ``ideko.runtime.serving.package``);
returns ``best_model_name``, ``promote`` and ``best_score``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ideko.runtime.artifact_uri import local_path
from ideko.runtime.cli_args import json_arg, json_object, step_main
from ideko.runtime.document_files import read_json
from ideko.runtime.errors import UserError

EVALUATION_FILE = "evaluation.json"


def _read_evaluation(path: Path, what: str) -> dict[str, Any]:
    value = read_json(path, lambda message: UserError(f"{what}: {message}"))
    if not isinstance(value, dict) or "summary" not in value or "test" not in value:
        raise UserError(f"{what}: {path} is not an evaluation written by the evaluate step")
    return value


def _config(value: Mapping[str, Any] | str, what: str) -> dict[str, Any]:
    return json_object(value, what) if isinstance(value, str) else dict(value)


def run(
    selection_config: Mapping[str, Any] | str,
    promotion_config: Mapping[str, Any] | str,
    evaluations: Mapping[str, str | Path],
    models: Mapping[str, str | Path],
    report_path: str | Path,
    best_model_dir: str | Path,
    ranking_path: str | Path | None = None,
    dataset_metadata: str | Path | None = None,
) -> dict[str, Any]:
    """Rank ``evaluations`` (model name -> evaluation JSON path); write report and best model.

    With ``dataset_metadata`` (the preprocess step's sidecar) the best model is a servable
    package: the metadata beside it and a checksum of every file.
    """
    from ideko.runtime.atomic import atomic_directory, write_bytes, write_json
    from ideko.runtime.report.html import render_report
    from ideko.runtime.report.ranking import (
        SelectionError,
        parse_criteria,
        passes_promotion,
        rank_models,
    )

    if set(evaluations) != set(models):
        raise UserError(
            f"evaluations {sorted(evaluations)} and models {sorted(models)} name different models"
        )
    docs = {
        name: _read_evaluation(local_path(str(path), "evaluation"), f"evaluation of {name}")
        for name, path in evaluations.items()
    }
    promotion = _config(promotion_config, "promotion_config")
    try:
        criteria = parse_criteria(_config(selection_config, "selection_config"))
        ranking = rank_models({n: d["summary"] for n, d in docs.items()}, criteria)
        best = ranking[0]
        promote = passes_promotion(docs[best.name]["summary"], promotion)
    except SelectionError as exc:
        raise UserError(str(exc)) from exc
    gate = None
    if promotion:
        from ideko.runtime.report.ranking import metric_key

        value = docs[best.name]["summary"][metric_key(str(promotion["metric"]))]
        gate = {"metric": promotion["metric"], "threshold": promotion["threshold"], "value": value}
    html = render_report(ranking, criteria, docs, promote, gate)
    write_bytes(report_path, html.encode("utf-8"))
    source = local_path(str(models[best.name]), "model directory")
    if not source.is_dir():
        raise UserError(f"model directory of {best.name} does not exist: {source}")
    metadata = None
    if dataset_metadata is not None:
        from ideko.runtime.data.dataset_io import load_metadata

        metadata = load_metadata(local_path(str(dataset_metadata), "dataset metadata"))
    with atomic_directory(best_model_dir) as staging:
        shutil.copytree(source, staging, dirs_exist_ok=True)
        write_json(staging / EVALUATION_FILE, docs[best.name])
        if metadata is not None:
            from ideko.runtime.serving.package import write_package_files

            write_package_files(staging, metadata)
    outputs = {
        "best_model_name": best.name,
        "promote": bool(promote),
        "best_score": float(best.score),
    }
    if ranking_path is not None:
        write_json(
            ranking_path,
            {
                **outputs,
                "criteria": [asdict(c) for c in criteria],
                "promotion": gate,
                "ranking": [asdict(r) for r in ranking],
            },
        )
    return outputs


def component(
    selection_config: str,
    promotion_config: str,
    evaluations: Mapping[str, Any],
    models: Mapping[str, Any],
    report: Any,
    best_model: Any,
    ranking: Any,
    dataset_metadata: Any = None,
) -> dict[str, Any]:
    """KFP body: artifacts keyed by model name in, report/best model/ranking artifacts out."""
    outputs = run(
        selection_config,
        promotion_config,
        {name: artifact.path for name, artifact in evaluations.items()},
        {name: artifact.path for name, artifact in models.items()},
        report.path,
        best_model.path,
        ranking.path,
        dataset_metadata=None if dataset_metadata is None else dataset_metadata.path,
    )
    best_model.metadata.update(
        {"model_name": outputs["best_model_name"], "score": outputs["best_score"]}
    )
    if hasattr(ranking, "log_metric"):  # a KFP Metrics artifact: one score per model in the UI
        table = json.loads(Path(ranking.path).read_text(encoding="utf-8"))
        for row in table["ranking"]:
            ranking.log_metric(f"score_{row['name']}", float(row["score"]))
    return outputs


def _pairs(items: Sequence[str], flag: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            raise UserError(f"{flag} {item!r}: expected NAME=PATH")
        out[name] = path
    return out


def build_parser(prog: str = "python -m ideko.runtime.steps.compare") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n")[0])
    parser.add_argument("--selection-config", required=True, type=json_arg("--selection-config"))
    parser.add_argument("--promotion-config", default={}, type=json_arg("--promotion-config"))
    parser.add_argument(
        "--evaluation",
        action="append",
        default=[],
        metavar="NAME=PATH",
        required=True,
        help="evaluation JSON of one model (repeat)",
    )
    parser.add_argument(
        "--model",
        action="append",
        default=[],
        metavar="NAME=DIR",
        required=True,
        help="model directory of one model (repeat)",
    )
    parser.add_argument("--report", required=True, help="HTML report to write")
    parser.add_argument("--best-model", required=True, help="directory to copy the winner into")
    parser.add_argument("--ranking", help="ranking JSON to write")
    parser.add_argument(
        "--dataset-metadata", help="preprocess sidecar: package the best model for serving"
    )
    return parser


def _action(args: argparse.Namespace) -> int:
    outputs = run(
        args.selection_config,
        args.promotion_config,
        _pairs(args.evaluation, "--evaluation"),
        _pairs(args.model, "--model"),
        args.report,
        args.best_model,
        args.ranking,
        dataset_metadata=args.dataset_metadata,
    )
    print(json.dumps(outputs, sort_keys=True))
    return 0


main = step_main(build_parser, _action)


if __name__ == "__main__":
    sys.exit(main())
