"""``ideko tune EXPERIMENT.yaml``: run a Katib Experiment manifest on this machine.

Exit status 0 when the experiment Succeeded, 1 when it Failed (the condition message is
printed), 2 for a manifest or usage error (printed, no traceback).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ideko.runtime.katib.errors import TuneError
from ideko.schema.assignments import split_assignment


def register(subparsers: Any) -> None:
    """Add the ``tune`` subcommand to ``ideko``."""
    parser = subparsers.add_parser(
        "tune",
        help="tune one model here from its compiled Katib Experiment",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("experiment", help="Katib v1beta1 Experiment manifest (YAML)")
    parser.add_argument("--out", default=None, help="output directory (default: tune-<name>)")
    parser.add_argument("--parallel", type=int, default=None, help="override parallelTrialCount")
    parser.add_argument(
        "--seed",
        type=int,
        default=None,
        help="sampler seed when the algorithm has no random_state setting",
    )
    parser.add_argument(
        "--set-arg",
        action="append",
        default=[],
        metavar="FLAG=VALUE",
        help="set --FLAG VALUE in every trial command (replaces an existing value); repeatable",
    )
    parser.add_argument(
        "--train-data",
        default=None,
        metavar="URI",
        help="replace --data-uri X with --train-data URI in every trial command",
    )
    parser.add_argument(
        "--multi-objective",
        default=None,
        metavar="METRIC:DIR,METRIC:DIR",
        help="local NSGA-II search, e.g. validation_accuracy:maximize,training_time:minimize",
    )
    parser.add_argument(
        "--launcher",
        choices=("warm", "process"),
        default="warm",
        help="warm (default): python -m trials of a module declaring WARM_IMPORTS fork a "
        "server that imported TensorFlow once; process: a fresh interpreter per trial",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress display")
    parser.set_defaults(func=run)


def parse_multi_objective(text: str | None) -> tuple[tuple[str, str], ...]:
    """``a:maximize,b:minimize`` -> ``(("a", "maximize"), ("b", "minimize"))``."""
    if not text:
        return ()
    pairs = []
    for item in text.split(","):
        metric, _, direction = item.strip().partition(":")
        if not metric or direction not in ("maximize", "minimize"):
            raise TuneError(
                f"--multi-objective: {item!r} must be METRIC:maximize or METRIC:minimize"
            )
        pairs.append((metric, direction))
    if len(pairs) < 2:
        raise TuneError("--multi-objective needs at least two METRIC:DIRECTION pairs")
    return tuple(pairs)


def parse_set_args(items: list[str]) -> tuple[tuple[str, str], ...]:
    """``["data-uri=x", "--seed=3"]`` -> ``(("data-uri", "x"), ("seed", "3"))``."""
    out = []
    for item in items:
        try:
            flag, value = split_assignment(item)
        except ValueError:
            flag, value = "", ""
        if not flag.strip("-"):
            raise TuneError(f"--set-arg {item!r} must be FLAG=VALUE")
        out.append((flag.strip("-"), value))
    return tuple(out)


def run(args: argparse.Namespace) -> int:
    """Load, run and report; returns the process exit status."""
    from ideko.local.katib.tuner import TuneOptions, run_experiment
    from ideko.runtime.katib.experiment import load_experiment

    try:
        plan = load_experiment(args.experiment)
        multi = parse_multi_objective(args.multi_objective)
        missing = [m for m, _ in multi if m not in plan.objective.metric_names]
        if missing:
            raise TuneError(
                f"--multi-objective metrics {', '.join(missing)} are not collected; the "
                f"manifest collects {', '.join(plan.objective.metric_names)}"
            )
        if args.parallel is not None and args.parallel < 1:
            raise TuneError("--parallel must be at least 1")
        options = TuneOptions(
            out_dir=Path(args.out or f"tune-{plan.name}"),
            parallel=args.parallel,
            seed=args.seed,
            multi_objective=multi,
            set_args=parse_set_args(args.set_arg),
            train_data=args.train_data,
            show_progress=not args.quiet,
            launcher=args.launcher,
        )
        result = run_experiment(plan, options)
    except TuneError as exc:
        print(f"ideko tune: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("ideko tune: interrupted; running trials were stopped", file=sys.stderr)
        return 130
    best = result.best
    print(f"{result.condition}: {result.message}")
    if best is not None:
        params = ", ".join(f"{k}={v}" for k, v in best.assignments.items())
        value = result.objective_value(best)
        print(f"best trial {best.name}: {plan.objective.metric}={value:g} ({params})")
    if multi:
        _print_front(result)
    print(f"status: {options.out_dir / 'status.yaml'}  view: {options.out_dir / 'report.html'}")
    return 0 if result.condition == "Succeeded" else 1


def _print_front(result: Any) -> None:
    """The Pareto front of a multi-objective run, one trial per line."""
    from ideko.local.katib.report import pareto_metrics, pareto_points

    metrics = pareto_metrics(result)
    trials, points, front = pareto_points(result)
    print(f"Pareto front ({', '.join(f'{m} {d}' for m, d in metrics)}): {len(front)} trial(s)")
    for i in sorted(front, key=lambda i: points[i]):
        values = "  ".join(f"{m}={v:g}" for (m, _), v in zip(metrics, points[i], strict=True))
        params = ", ".join(f"{k}={v}" for k, v in trials[i].assignments.items())
        print(f"  {trials[i].name}: {values}  ({params})")
