"""``ideko baseline``: IDEKO's original monolithic flow in one process, the equivalence reference.

read -> pad -> encode -> split (the data layer's ``prepare``, random split with the seed as
``random_state``) -> train every enabled model of an original ``models.yaml`` -> evaluate.
Writes ``<out>/models/<folder_name>/`` (model, history), ``<out>/metrics/<folder_name>.json``
(the same document the evaluate step writes) and ``<out>/summary.json`` (metrics and timings);
the summary table goes to stderr.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ideko.runtime.cli_args import int_arg, run_cli
from ideko.runtime.errors import UserError


def data_config(indicators: Sequence[str], seed: int) -> dict[str, Any]:
    """The original script's data handling as a ``data_config`` section: the spec's defaults
    (random split, post-padding with 0.0, no scaling) and IDEKO's three class folders; the
    original checked nothing, so the gate only requires the indicator columns."""
    from ideko.runtime.data.config import DEFAULT_CLASSES
    from ideko.schema.defaults import defaults_of

    no_gate = {"min_per_class": 0, "max_nan_fraction": 1.0, "required_indicators": list(indicators)}
    return {
        "indicators": list(indicators),
        "classes": dict(DEFAULT_CLASSES),
        "padding": defaults_of("padding"),
        "scaling": defaults_of("data")["scaling"],
        "split": {**defaults_of("split"), "seed": seed},
        "quality_gate": {**defaults_of("qualityGate"), **no_gate},
    }


def array_fingerprint(dataset: Any) -> str:
    """sha256 of a split's ``X`` and ``y`` bytes: equal fingerprints mean equal model inputs."""
    import hashlib

    import numpy as np

    digest = hashlib.sha256()
    for array in (dataset.X, dataset.y):
        data = np.ascontiguousarray(array, dtype=np.float32)
        digest.update(str(data.shape).encode("ascii"))
        digest.update(data.tobytes())
    return digest.hexdigest()


def run_baseline(
    data_dir: str | Path,
    models_yaml: str | Path,
    out_dir: str | Path,
    indicators: Sequence[str] = ("f3", "f4", "f5"),
    seed: int = 2,
    epochs_override: int | None = None,
) -> dict[str, Any]:
    """Run the whole flow; returns (and writes) the summary."""
    started = time.perf_counter()
    from ideko.runtime.atomic import write_json
    from ideko.runtime.data.prepare import prepare
    from ideko.runtime.data.quality import console_lines
    from ideko.runtime.steps.evaluate import run as evaluate
    from ideko.runtime.training.config import apply_overrides
    from ideko.runtime.training.environment import prepare_tensorflow
    from ideko.runtime.training.models_yaml import read_models_yaml
    from ideko.runtime.training.trainer import train_model

    configs = [config for config, enabled in read_models_yaml(models_yaml) if enabled]
    if not configs:
        raise UserError(f"{models_yaml}: no model is enabled")
    if epochs_override is not None:
        override = {"training_parameters.epochs": epochs_override}
        configs = [apply_overrides(config, override) for config in configs]
    out = Path(out_dir)
    data_started = time.perf_counter()
    train, test, metadata, report = prepare(data_dir, data_config(indicators, seed), seed)
    data_seconds = time.perf_counter() - data_started
    for line in console_lines(report):
        print(line, file=sys.stderr)
    if len(train) < 2 or len(test) < 1:
        raise UserError(
            f"{data_dir}: {len(train)} train / {len(test)} test series; too few to train"
        )
    write_json(out / "data" / "metadata.json", metadata)
    import_started = time.perf_counter()
    prepare_tensorflow()
    tf_import_seconds = time.perf_counter() - import_started
    rows = {}
    for config in configs:
        folder = config["name_parameters"]["folder_name"]
        print(f"training {config['key']} ({config['architecture']})", file=sys.stderr)
        model_started = time.perf_counter()
        result = train_model(
            config,
            train.X,
            train.y,
            seed,
            out / "models" / folder,
            padding_value=float(metadata["padding"]["value"]),
            emit_metrics=False,
            validation_rows=train.validation,
        )
        document = evaluate(
            config, out / "models" / folder, train, test, out / "metrics" / f"{folder}.json"
        )
        epochs = len(result.history.get("loss", []))
        rows[config["name"]] = {
            **document["summary"],
            "key": config["key"],
            "architecture": config["architecture"],
            "epochs_run": epochs,
            "seconds_per_epoch": result.training_time / max(epochs, 1),
            "whole_dataset_accuracy": document["whole_dataset"]["accuracy"],
            "model_seconds": time.perf_counter() - model_started,
        }
    summary = {
        "seed": seed,
        "data": str(data_dir),
        "shapes": metadata["shapes"],
        "data_fingerprint": {"train": array_fingerprint(train), "test": array_fingerprint(test)},
        "timings": {
            "data_seconds": data_seconds,
            "tensorflow_import_seconds": tf_import_seconds,
            "training_seconds": sum(r["training_time"] for r in rows.values()),
            "total_seconds": time.perf_counter() - started,
        },
        "models": rows,
    }
    write_json(out / "summary.json", summary)
    return summary


def format_table(summary: dict[str, Any]) -> str:
    """A plain-text table of the summary (one row per model)."""
    head = (
        f"{'model':<20} {'arch':<6} {'acc':>7} {'macroF1':>8} {'epochs':>6} "
        f"{'train s':>8} {'s/epoch':>8}"
    )
    lines = [head, "-" * len(head)]
    for name, row in summary["models"].items():
        lines.append(
            f"{name:<20} {row['architecture']:<6} {row['accuracy']:>7.4f} {row['macro_f1']:>8.4f} "
            f"{row['epochs_run']:>6d} {row['training_time']:>8.2f} {row['seconds_per_epoch']:>8.3f}"
        )
    timings = summary["timings"]
    lines.append(
        f"data {timings['data_seconds']:.2f}s, "
        f"TF import {timings['tensorflow_import_seconds']:.2f}s, "
        f"training {timings['training_seconds']:.2f}s, total {timings['total_seconds']:.2f}s"
    )
    return "\n".join(lines)


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``ideko baseline`` to the top-level CLI."""
    parser = subparsers.add_parser(
        "baseline",
        help="the original monolithic flow (equivalence reference)",
        description=__doc__.split("\n")[0],
    )
    add_arguments(parser)
    parser.set_defaults(func=lambda args: _action(args, parser.prog))
    return parser


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", required=True, help="IDEKO data folder (class/day/series files)")
    parser.add_argument("--models", required=True, help="original models.yaml")
    parser.add_argument(
        "--indicators", default="f3,f4,f5", help="comma-separated columns (f3,f4,f5)"
    )
    parser.add_argument("--seed", type=int_arg, default=2, help="split and training seed (2)")
    parser.add_argument("--epochs-override", type=int_arg, help="train every model for N epochs")
    parser.add_argument("--out", required=True, help="output folder")


def _action(args: argparse.Namespace, prog: str) -> int:
    from ideko.runtime.errors import user_errors

    try:
        return _run(args)
    except user_errors() as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    indicators = [part.strip() for part in args.indicators.split(",") if part.strip()]
    if not indicators:
        raise UserError("--indicators: give at least one column name")
    if args.epochs_override is not None and args.epochs_override < 1:
        raise UserError("--epochs-override must be >= 1")
    summary = run_baseline(
        args.data, args.models, args.out, indicators, args.seed, args.epochs_override
    )
    print(format_table(summary), file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m ideko.runtime.baseline``."""
    parser = argparse.ArgumentParser(prog="ideko baseline", description=__doc__.split("\n")[0])
    add_arguments(parser)
    return run_cli(parser, _run, argv)


if __name__ == "__main__":
    sys.exit(main())
