"""``ideko data synth OUT …``, ``ideko data inspect DIR`` and the versioned-data commands
(``ideko.runtime.data.sources.cli``)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ideko.runtime.atomic import DISK_FULL
from ideko.runtime.data.errors import DataError

SYNTH_EPILOG = "Writes <OUT>/<class folder>/<day>/<series>.zip; same options, same bytes."


def register(subparsers: Any) -> None:
    """Add the ``data`` command (``synth``, ``inspect``) to the top-level parser."""
    from ideko.runtime.data.synth import SynthOptions

    defaults = SynthOptions()
    data = subparsers.add_parser(
        "data", help="synthetic data, data quality, versioned data (DVC, lakeFS)"
    )
    commands = data.add_subparsers(dest="data_command", metavar="SUBCOMMAND", required=True)
    synth = commands.add_parser(
        "synth", help="write a synthetic data set in IDEKO's layout", epilog=SYNTH_EPILOG
    )
    synth.add_argument("out", metavar="OUT", help="output directory")
    synth.add_argument("--series", type=int, default=defaults.series, help="total series")
    synth.add_argument("--seed", type=int, default=defaults.seed)
    synth.add_argument("--indicators", type=int, default=defaults.indicators, help="f1..fK")
    synth.add_argument("--days", type=int, default=defaults.days, help="day folders per class")
    synth.add_argument("--test-day", action="store_true", help="add a day folder named 'test'")
    synth.add_argument(
        "--difficulty",
        type=float,
        default=defaults.difficulty,
        help="0 (separable) .. 1 (heavy class overlap)",
    )
    synth.add_argument("--min-length", type=int, default=defaults.min_length)
    synth.add_argument("--max-length", type=int, default=defaults.max_length)
    synth.add_argument("--force", action="store_true", help="replace a non-empty OUT")
    synth.set_defaults(func=_synth)
    ucr = commands.add_parser(
        "ucr", help="convert a UCR set shipped by sktime to IDEKO's layout (train/test days)"
    )
    ucr.add_argument("name", metavar="NAME", help="data set name, e.g. ArrowHead")
    ucr.add_argument("out", metavar="OUT", help="output directory")
    ucr.add_argument("--force", action="store_true", help="replace a non-empty OUT")
    ucr.set_defaults(func=_ucr)
    inspect = commands.add_parser(
        "inspect", help="print the quality report of a data directory (exit 1 on FAIL)"
    )
    inspect.add_argument("dir", metavar="DIR")
    inspect.add_argument(
        "--data-config", help="data_config JSON (inline or @file.json); default: f3,f4,f5"
    )
    inspect.add_argument("--indicators", default="f3,f4,f5", help="comma-separated columns")
    inspect.set_defaults(func=_inspect)
    from ideko.runtime.data.sources.cli import register as register_versioned

    register_versioned(commands)  # import, log, diff, branch, tag, merge, revert, show


def _synth(args: argparse.Namespace) -> int:
    from ideko.runtime.data.synth import SynthOptions, generate

    options = SynthOptions(
        series=args.series,
        seed=args.seed,
        indicators=args.indicators,
        days=args.days,
        test_day=args.test_day,
        difficulty=args.difficulty,
        min_length=args.min_length,
        max_length=args.max_length,
    )
    try:
        count = generate(args.out, options, force=args.force)
    except DataError as exc:
        print(f"ideko data synth: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # disk full, no permission: the staging folder is already gone
        where = exc.filename or args.out
        hint = "; free some space on that disk" if exc.errno in DISK_FULL else ""
        print(
            f"ideko data synth: error: cannot write {where}: {exc.strerror or exc}{hint} "
            f"({args.out} was left as it was)",
            file=sys.stderr,
        )
        return 1
    print(f"wrote {count} series to {args.out}", file=sys.stderr)
    return 0


def _ucr(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ideko.runtime.data.ucr import convert, packaged_ts_dir

    try:
        done = convert(packaged_ts_dir(args.name), args.name, Path(args.out), force=args.force)
    except DataError as exc:
        print(f"ideko data ucr: error: {exc}", file=sys.stderr)
        return 2
    classes = ", ".join(f"{folder}: {label!r}" for folder, label in done.classes.items())
    print(f"wrote {done.counts['train']} train + {done.counts['test']} test series to "
          f"{args.out}; data.classes: {{{classes}}}", file=sys.stderr)
    return 0


def _inspect(args: argparse.Namespace) -> int:
    from ideko.runtime.cli_args import json_object
    from ideko.runtime.data.config import parse_data_config
    from ideko.runtime.data.prepare import load_raw
    from ideko.runtime.data.quality import to_markdown
    from ideko.runtime.errors import UserError

    try:
        if args.data_config:
            config = parse_data_config(json_object(args.data_config, "--data-config"))
        else:
            indicators = [c.strip() for c in args.indicators.split(",") if c.strip()]
            config = parse_data_config({"indicators": indicators})
        *_, report = load_raw(args.dir, config)
    except (DataError, UserError) as exc:
        print(f"ideko data inspect: error: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(to_markdown(report, args.dir))
    return 0 if report.verdict == "PASS" else 1
