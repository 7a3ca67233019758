"""Preprocess step: raw IDEKO tree -> train/test datasets, metadata sidecar, quality report.

Three entry points, one behaviour: ``component(...)`` (KFP body: artifact objects and JSON
strings), ``run(...)`` (plain paths) and ``python -m ideko.runtime.steps.preprocess`` /
``ideko step preprocess``. The pipeline ``seed`` overrides ``data_config.split.seed``.
``data_ref`` picks the version of a versioned source (lakeFS, DVC/git): the step reads the
commit it resolves to and records it as the sidecar's ``data_version``.
A FAIL verdict is an output, not an error: every file is still written and the pipeline's
quality-gate condition decides whether training runs. The quality report is Markdown; the
verdict, every failure and warning and the validation set are also printed on stderr and
travel with the dataset artifacts (``data_quality`` metadata) to the evaluation and report.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ideko.runtime.artifact_uri import artifact_path
from ideko.runtime.cli_args import add_required, json_object, step_main


def run(
    *,
    data_uri: str,
    data_ref: str = "",
    data_config: str | dict[str, Any],
    seed: int | None,
    train_data: str,
    test_data: str,
    metadata: str,
    report: str,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Prepare and write every output; returns (step outputs, metadata sidecar)."""
    from ideko.runtime.atomic import write_text
    from ideko.runtime.data.config import parse_data_config
    from ideko.runtime.data.dataset_io import save_dataset, save_metadata
    from ideko.runtime.data.prepare import prepare
    from ideko.runtime.data.quality import console_lines, to_markdown
    from ideko.runtime.data.sources.resolve import materialize

    if isinstance(data_config, str):
        data_config = json_object(data_config, "data_config")
    config = parse_data_config(data_config)
    source, version = materialize(data_uri, data_ref)
    train, test, meta, quality = prepare(source, config, seed)
    meta["source"]["uri"] = data_uri
    meta["data_version"] = version.to_dict()
    if version.commit is not None and quality.verdict == "FAIL":
        quality.failures.insert(0, f"data commit {version.commit} fails the quality gate")
        meta["quality"] = quality.to_dict()
    save_dataset(train_data, train)
    save_dataset(test_data, test)
    save_metadata(metadata, meta)
    write_text(report, to_markdown(quality, version.label()))
    for line in console_lines(quality):
        print(line, file=sys.stderr)
    outputs = {
        "verdict": quality.verdict,
        "reasons": json.dumps(quality.reasons),
        "num_series": quality.num_series,
    }
    return outputs, meta


def component(
    *,
    data_uri: str,
    seed: int,
    data_config: str,
    train_data: Any,
    test_data: Any,
    dataset_metadata: Any,
    quality_report: Any,
    data_ref: str = "",
) -> dict[str, Any]:
    """KFP body: writes the four artifacts and fills their ``.metadata`` for the UI."""
    outputs, meta = run(
        data_uri=data_uri,
        data_ref=data_ref,
        data_config=data_config,
        seed=seed,
        train_data=artifact_path(train_data),
        test_data=artifact_path(test_data),
        metadata=artifact_path(dataset_metadata),
        report=artifact_path(quality_report),
    )
    summary = {
        "verdict": outputs["verdict"],
        "num_series": outputs["num_series"],
        "classes": meta["classes"],
        "fingerprint": meta["source"]["fingerprint"],
        "data_version": meta["data_version"],
    }
    from ideko.runtime.data.dataset_io import quality_findings

    data_quality = quality_findings(meta)
    for side, artifact in (("train", train_data), ("test", test_data)):
        _update(
            artifact,
            {
                **summary,
                "split": side,
                "shape": meta["shapes"][side],
                "class_distribution": meta["class_distribution"][side],
                "padding_value": meta["padding"]["value"],
                "padding": meta["padding"],
                "data_quality": data_quality,
            },
        )
    _update(dataset_metadata, {**summary, "shapes": meta["shapes"]})
    _update(quality_report, {**summary, "reasons": json.loads(outputs["reasons"])})
    return outputs


def _update(artifact: Any, values: dict[str, Any]) -> None:
    metadata = getattr(artifact, "metadata", None)
    if isinstance(metadata, dict):
        metadata.update(values)


def build_parser(prog: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-uri",
        required=True,
        help="data directory (IDEKO layout): path, file://, s3://, minio:// or gs:// prefix; "
        "or a versioned source: lakefs://REPO/PATH, dvc+REPO#PATH",
    )
    parser.add_argument(
        "--data-ref",
        default="",
        help="branch, tag or commit of a versioned source (default: its HEAD/default branch)",
    )
    parser.add_argument(
        "--data-config", required=True, help="data_config JSON (inline or @file.json)"
    )
    parser.add_argument("--seed", type=int, default=None, help="overrides split.seed")
    add_required(
        parser,
        {
            "--train-data": "output .npz path",
            "--test-data": "output .npz path",
            "--metadata": "output JSON sidecar path",
            "--report": "output Markdown quality report path",
        },
    )
    return parser


def _action(args: argparse.Namespace) -> int:
    """Prints the step outputs as JSON on stdout."""
    outputs, _ = run(
        data_uri=args.data_uri,
        data_ref=args.data_ref,
        data_config=args.data_config,
        seed=args.seed,
        train_data=args.train_data,
        test_data=args.test_data,
        metadata=args.metadata,
        report=args.report,
    )
    print(json.dumps(outputs))
    return 0


main = step_main(build_parser, _action)


if __name__ == "__main__":
    sys.exit(main())
