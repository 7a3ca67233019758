"""``ideko run`` and ``ideko runs``: argparse registration and the command bodies.

The runner never imports the compiler. Running a *spec* needs one, so ``register`` takes an
optional ``compile_spec`` callable; ``ideko.cli.run_command`` injects the real compiler.
Without it, ``ideko run`` accepts compiled pipeline.yaml files only.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from ideko.local.launch.signal_guard import stop_signals_as_interrupt
from ideko.local.runner.errors import RunnerError
from rich.console import Console


@dataclass(frozen=True)
class CompiledSpec:
    """What the runner needs from a compiled spec: the IR text exactly as ``ideko-compile``
    writes it (the PipelineSpec and the PlatformSpec holding the spec's parallelism)."""

    pipeline_text: str
    source: str


SpecCompiler = Callable[[Path], CompiledSpec]


def register(subparsers: Any, compile_spec: SpecCompiler | None = None) -> None:
    """Add ``run`` and ``runs`` to the top-level parser."""
    run = subparsers.add_parser(
        "run",
        help="run the pipeline here, from a spec or a compiled pipeline.yaml",
        description="Execute a compiled KFP pipeline (or compile a spec in memory first) on "
        "this machine: parallel tasks, retries, caching, CEL conditions, lineage.",
    )
    run.add_argument("source", nargs="?", type=Path, help="ideko spec or pipeline.yaml")
    run.add_argument(
        "-p", "--param", action="append", default=[], metavar="NAME=VALUE",
        help="pipeline parameter (repeatable)",
    )  # fmt: skip
    run.add_argument(
        "--parallelism",
        type=int,
        metavar="N",
        help="max concurrent tasks (default: the spec's execution.parallelism, <= cores)",
    )
    run.add_argument("--no-cache", action="store_true", help="do not reuse cached step outputs")
    run.add_argument(
        "--run-dir", type=Path, default=Path(".ideko/runs"),
        help="run root holding runs, cache and lineage.sqlite (default .ideko/runs)",
    )  # fmt: skip
    run.add_argument("--resume", metavar="RUN_ID", help="continue an interrupted or failed run")
    run.add_argument(
        "--launcher",
        choices=("warm", "process"),
        default="warm",
        help="warm (default): KFP python-component tasks fork a server that imported "
        "TensorFlow once; process: a fresh interpreter per task",
    )
    run.add_argument(
        "--no-lineage",
        action="store_true",
        help="run without recording lineage (e.g. while lineage.sqlite is damaged)",
    )
    run.set_defaults(func=lambda args: run_command(args, compile_spec))

    runs = subparsers.add_parser(
        "runs", help="past local runs; one run's tasks, outputs and model lineage"
    )
    runs_sub = runs.add_subparsers(dest="runs_command", metavar="ACTION", required=True)
    list_parser = runs_sub.add_parser("list", help="all runs in the run root")
    show_parser = runs_sub.add_parser("show", help="tasks, artifacts and model lineage of a run")
    show_parser.add_argument("run_id", help="a run id from `ideko runs list`")
    for parser in (list_parser, show_parser):
        parser.add_argument(
            "--run-dir", type=Path, default=Path(".ideko/runs"), help="run root (.ideko/runs)"
        )
        parser.set_defaults(func=runs_command)


def run_command(args: argparse.Namespace, compile_spec: SpecCompiler | None) -> int:
    """Body of ``ideko run``; user errors print one message and exit 2."""
    from ideko.local.progress import default_observer
    from ideko.local.runner.params import parse_assignments
    from ideko.local.runner.run import LocalRunner, RunOptions

    console = Console(stderr=True)
    try:
        options = RunOptions(
            run_root=args.run_dir,
            parallelism=args.parallelism,
            use_cache=not args.no_cache,
            parameters=parse_assignments(args.param),
            resume=args.resume,
            launcher=args.launcher,
            lineage=not args.no_lineage,
        )
        source = _source(args, options, compile_spec)
        with stop_signals_as_interrupt():
            result = LocalRunner(options, default_observer()).run(source)
    except RunnerError as exc:
        console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        return 2
    _print_result(result, args.run_dir, console)
    return result.exit_code


def _source(args: argparse.Namespace, options: Any, compile_spec: SpecCompiler | None) -> Any:
    """The IR to execute: a pipeline.yaml path, an in-memory compiled spec, or None (resume)."""
    from ideko.local.runner.ir import parse_pipeline

    if args.resume:
        if args.source is not None:
            raise RunnerError("give either a source file or --resume RUN_ID, not both")
        return None
    if args.source is None:
        raise RunnerError("give a spec or pipeline.yaml to run (or --resume RUN_ID)")
    if not _is_spec(args.source):
        return args.source
    if compile_spec is None:
        raise RunnerError(
            f"{args.source} is an ideko spec but no compiler is available here; "
            "run `ideko-compile` and pass the generated pipeline.yaml"
        )
    compiled = compile_spec(args.source)
    return parse_pipeline(compiled.pipeline_text, f"{compiled.source} (compiled)")


def _is_spec(path: Path) -> bool:
    """An ideko spec has ``apiVersion: ideko.dev/...``; a KFP IR has ``pipelineInfo`` (and
    maybe a second document, its PlatformSpec): only the first document decides."""
    if path.exists() and not path.is_file() and not path.is_dir():  # /dev/zero, a FIFO
        raise RunnerError(f"cannot read {path}: not a regular file (a device or a FIFO)")
    try:
        doc = next(yaml.safe_load_all(path.read_text(encoding="utf-8")), None)
    except OSError as exc:
        raise RunnerError(f"cannot read {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise RunnerError(f"{path}: not valid YAML: {exc}") from exc
    return isinstance(doc, dict) and str(doc.get("apiVersion", "")).startswith("ideko")


def _print_result(result: Any, run_root: Path, console: Console) -> None:
    from ideko.local.progress import summary_table

    console.print(summary_table(result.records, f"run {result.run_id}: {result.status}"))
    console.print(f"parallelism: {result.parallelism} ({result.parallelism_from})")
    for note in result.notes:
        console.print(f"[yellow]note:[/] {note}", highlight=False, soft_wrap=True)
    # Paths and commands are printed unwrapped so they can be copied whole.
    console.print(f"run directory: {result.run_dir}", highlight=False, soft_wrap=True)
    if result.data_quality is not None:
        from ideko.local.runner.outcome import data_quality_lines

        for line in data_quality_lines(result.data_quality):
            console.print(line, highlight=False, soft_wrap=True, markup=False)
    for group, why in result.skipped_groups.items():
        console.print(f"[yellow]skipped[/] {group}: {why}", highlight=False)
    if result.report is not None:
        report = _report_with_extension(Path(result.report), Path(result.run_dir))
        console.print(f"comparison report: {report}", highlight=False, soft_wrap=True)
    resume = f"ideko run --resume {result.run_id} --run-dir {run_root}"
    if result.status == "failed":
        console.print(f"[bold red]run failed:[/] {result.failure}", highlight=False, soft_wrap=True)
        console.print(f"fix the cause, then resume with: {resume}", highlight=False, soft_wrap=True)
    elif result.status == "interrupted":
        console.print(f"interrupted; resume with: {resume}", highlight=False, soft_wrap=True)


def _report_with_extension(report: Path, run_dir: Path) -> Path:
    """A ``report.html`` copy in the run directory: KFP artifact paths have no extension,
    so a browser would show the artifact itself as text. The artifact stays as it is."""
    from ideko.runtime.atomic import write_bytes

    target = run_dir / "report.html"
    try:
        write_bytes(target, report.read_bytes())
    except OSError:
        return report
    return target


def runs_command(args: argparse.Namespace) -> int:
    """Body of ``ideko runs list|show``."""
    from ideko.local.runner.lineage import LineageStore
    from ideko.local.runner.runs_view import print_run, print_runs

    console = Console()
    db = args.run_dir / "lineage.sqlite"
    if not db.exists():
        Console(stderr=True).print(f"no runs recorded under {args.run_dir}", highlight=False)
        return 1 if args.runs_command == "show" else 0
    try:
        store = LineageStore(db, create=False)
    except RunnerError as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        return 2
    try:
        if args.runs_command == "list":
            print_runs(store, console)
        else:
            print_run(store, args.run_id, console)
    except RunnerError as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {exc}", highlight=False)
        return 2
    finally:
        store.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    """Standalone entry (``python -m ideko.local.runner.cli``) for pipeline.yaml files."""
    parser = argparse.ArgumentParser(prog="ideko")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
