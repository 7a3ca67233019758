"""``ideko data import|log|diff|branch|tag|merge|revert|show``: history of a versioned source.

Every command names its source with ``--source`` (``lakefs://REPO/PATH`` or
``dvc+REPO#PATH``, as the pipeline's ``data_uri``), prints a readable table and, with
``--json``, one JSON document on stdout. A user mistake is one ``error:`` line, status 2.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ideko.runtime.data.errors import DataError
from ideko.runtime.data.sources.records import CommitInfo

SOURCE_HELP = "the versioned source: lakefs://REPO/PATH or dvc+REPO#PATH (as data_uri)"


def register(commands: Any) -> None:
    """Add the versioned-data subcommands to ``ideko data``."""

    def add(name: str, help_text: str, action: Callable[[argparse.Namespace], Any]) -> Any:
        parser = commands.add_parser(name, help=help_text, description=help_text)
        parser.add_argument("--source", required=True, metavar="URI", help=SOURCE_HELP)
        parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
        parser.set_defaults(func=_command(name, action))
        return parser

    imp = add("import", "upload an IDEKO-layout folder to a branch and commit it", _import)
    imp.add_argument("dir", metavar="DIR")
    imp.add_argument("--to", required=True, metavar="BRANCH", help="branch to commit on")
    imp.add_argument("-m", "--message", required=True)
    _quality_options(imp)
    log = add("log", "commits reachable from a ref, newest first", _log)
    log.add_argument("ref", nargs="?", default="", help="default: HEAD / the default branch")
    log.add_argument("-n", "--limit", type=int, default=20)
    diff = add("diff", "files added/removed/changed per class folder and day", _diff)
    diff.add_argument("left", metavar="REF1")
    diff.add_argument("right", metavar="REF2")
    branch = add("branch", "list branches, or create NAME from --from REF", _branch)
    branch.add_argument("name", nargs="?")
    branch.add_argument("--from", dest="from_ref", default="", help="default: HEAD / main")
    tag = add("tag", "list tags, or tag REF as NAME", _tag)
    tag.add_argument("name", nargs="?")
    tag.add_argument("ref", nargs="?", default="")
    merge = add("merge", "merge REF into a branch", _merge)
    merge.add_argument("ref", metavar="REF")
    merge.add_argument("--into", required=True, metavar="BRANCH")
    merge.add_argument("-m", "--message", default="")
    revert = add("revert", "undo a commit on a branch with a new commit", _revert)
    revert.add_argument("commit", metavar="COMMIT")
    revert.add_argument("--on", required=True, metavar="BRANCH")
    revert.add_argument("-m", "--message", default="")
    show = add("show", "a ref's commit, files per class and quality verdict", _show)
    show.add_argument("ref", metavar="REF")
    _quality_options(show)


def _quality_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-config",
        help="data_config JSON (inline or @file.json) whose quality gate judges the data; "
        "default: the gate's defaults over --indicators",
    )
    parser.add_argument("--indicators", default="f3,f4,f5", help="comma-separated columns")


def _command(
    name: str, action: Callable[[argparse.Namespace], Any]
) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        from ideko.runtime.data.sources.resolve import open_source
        from ideko.runtime.errors import UserError

        try:
            args.source_obj = open_source(args.source)
            result = action(args)
        except (DataError, UserError) as exc:
            print(f"ideko data {name}: error: {exc}", file=sys.stderr)
            return 2
        document, text = result
        print(json.dumps(document, indent=2) if args.json else text)
        return 0

    return run


def _ref(args: argparse.Namespace, ref: str) -> str:
    return ref or args.source_obj.default_ref()


def _when(seconds: int) -> str:
    return datetime.datetime.fromtimestamp(seconds, datetime.UTC).strftime("%Y-%m-%d %H:%M")


def _commit_line(commit: CommitInfo) -> str:
    verdict = commit.metadata.get("ideko.quality.verdict")
    tail = f"  [quality {verdict}]" if verdict else ""
    return f"{commit.id[:12]}  {_when(commit.time)}  {commit.author:<10}  {commit.message}{tail}"


def _quality_config(args: argparse.Namespace) -> Any:
    """The data_config the quality gate is judged with (as ``ideko data inspect``)."""
    from ideko.runtime.cli_args import json_object
    from ideko.runtime.data.config import parse_data_config

    if args.data_config:
        return parse_data_config(json_object(args.data_config, "--data-config"))
    columns = [c.strip() for c in args.indicators.split(",") if c.strip()]
    return parse_data_config({"indicators": columns})


def _import(args: argparse.Namespace) -> tuple[Any, str]:
    from ideko.runtime.data.prepare import load_raw
    from ideko.runtime.data.sources.summary import quality_metadata

    folder = Path(args.dir)
    if not folder.is_dir():
        raise DataError(f"{folder} is not a directory")
    *_, report = load_raw(folder, _quality_config(args))
    commit = args.source_obj.import_tree(folder, args.to, args.message, quality_metadata(report))
    document = {
        "commit": commit,
        "branch": args.to,
        "verdict": report.verdict,
        "num_series": report.num_series,
    }
    text = f"committed {commit} on {args.to}: {report.num_series} series, quality {report.verdict}"
    return document, text


def _log(args: argparse.Namespace) -> tuple[Any, str]:
    commits = args.source_obj.log(_ref(args, args.ref), args.limit)
    return [c.to_dict() for c in commits], "\n".join(_commit_line(c) for c in commits)


def _diff(args: argparse.Namespace) -> tuple[Any, str]:
    from ideko.runtime.data.sources.summary import group_changes

    changes = args.source_obj.diff(args.left, args.right)
    groups = group_changes(changes)
    document = {
        "left": args.left,
        "right": args.right,
        "groups": groups,
        "changes": [{"path": c.path, "kind": c.kind} for c in changes],
    }
    if not groups:
        return document, f"no changes between {args.left} and {args.right}"
    lines = [f"{'class':<24} {'day':<12} {'added':>6} {'removed':>8} {'changed':>8}"]
    lines += [
        f"{g['class']:<24} {g['day']:<12} {g['added']:>6} {g['removed']:>8} {g['changed']:>8}"
        for g in groups
    ]
    return document, "\n".join(lines)


def _listing(refs: dict[str, str]) -> tuple[Any, str]:
    return refs, "\n".join(f"{name:<24} {commit}" for name, commit in sorted(refs.items()))


def _branch(args: argparse.Namespace) -> tuple[Any, str]:
    source = args.source_obj
    if not args.name:
        return _listing(source.branches())
    commit = source.create_branch(args.name, _ref(args, args.from_ref))
    return {"branch": args.name, "commit": commit}, f"created branch {args.name} at {commit}"


def _tag(args: argparse.Namespace) -> tuple[Any, str]:
    source = args.source_obj
    if not args.name:
        return _listing(source.tags())
    commit = source.create_tag(args.name, _ref(args, args.ref))
    return {"tag": args.name, "commit": commit}, f"tagged {commit} as {args.name}"


def _merge(args: argparse.Namespace) -> tuple[Any, str]:
    message = args.message or f"Merge {args.ref} into {args.into}"
    commit = args.source_obj.merge(args.ref, args.into, message)
    return {"branch": args.into, "commit": commit}, f"merged {args.ref} into {args.into}: {commit}"


def _revert(args: argparse.Namespace) -> tuple[Any, str]:
    message = args.message or f"Revert {args.commit}"
    commit = args.source_obj.revert(args.on, args.commit, message)
    return {"branch": args.on, "commit": commit}, f"reverted {args.commit} on {args.on}: {commit}"


def _show(args: argparse.Namespace) -> tuple[Any, str]:
    from ideko.runtime.data.sources.summary import files_per_class, quality_from_metadata

    source = args.source_obj
    info = source.commit_info(args.ref)
    counts = files_per_class(source.files(info.id))
    quality = quality_from_metadata(info.metadata)
    if quality is None:  # not imported by ideko: judge it now
        from ideko.runtime.data.prepare import load_raw

        *_, report = load_raw(source.materialize(info.id), _quality_config(args))
        quality = {
            "verdict": report.verdict,
            "num_series": report.num_series,
            "reasons": report.reasons,
        }
    document = {
        "ref": args.ref,
        "commit": info.to_dict(),
        "files_per_class": counts,
        "quality": quality,
    }
    lines = [
        f"commit  {info.id}",
        f"date    {_when(info.time)}",
        f"author  {info.author}",
        f"message {info.message}",
        "",
    ]
    lines += [f"  {folder:<28} {count:>5} files" for folder, count in counts.items()]
    lines += ["", f"quality {quality['verdict']} ({quality['num_series']} series)"]
    lines += [f"  - {reason}" for reason in quality["reasons"]]
    return document, "\n".join(lines)
