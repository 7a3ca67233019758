"""List, show, compare, promote and roll back registered models (`ideko models`).

Works on either backend through :func:`ideko.runtime.registry.open_registry`: the embedded
MLflow registry by default (the spec's ``registry.uri`` default, the folder ``registry``),
any MLflow server, or a Kubeflow Model Registry (``--backend kubeflow`` or a
``kubeflow+http://`` URI). Tables fit 80 columns; ``--json`` prints the same facts as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ideko.cli.models_table import WIDTH, cut, pairs, table
from ideko.schema.defaults import DEFAULT_REGISTRY_URI
from ideko.schema.registry import BACKENDS

METRICS = ("accuracy", "macro_f1", "macro_precision", "macro_recall")


def register(subparsers: Any) -> None:
    """``ideko models ...``"""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--registry",
        default=DEFAULT_REGISTRY_URI,
        help=f"registry URI: a folder (embedded MLflow, default {DEFAULT_REGISTRY_URI!r}), "
        "sqlite:///…, http(s)://… or kubeflow+http(s)://…",
    )
    common.add_argument("--backend", choices=BACKENDS, help="backend when the URI leaves it open")
    common.add_argument("--json", action="store_true", help="print JSON instead of tables")
    parser = subparsers.add_parser(
        "models", help="registered models: list, show, compare, promote, rollback",
        description=__doc__.splitlines()[0],
    )
    commands = parser.add_subparsers(dest="models_command", metavar="SUBCOMMAND", required=True)
    listing = commands.add_parser("list", parents=[common], help="every model and its aliases")
    listing.set_defaults(func=_run, action=_list)
    show = commands.add_parser("show", parents=[common], help="a model's versions, or one version")
    show.add_argument("target", metavar="NAME[/VERSION]", help="VERSION: a number or an alias")
    show.set_defaults(func=_run, action=_show)
    compare = commands.add_parser("compare", parents=[common], help="two versions side by side")
    compare.add_argument("name")
    compare.add_argument("first", metavar="V1")
    compare.add_argument("second", metavar="V2")
    compare.set_defaults(func=_run, action=_compare)
    promote = commands.add_parser("promote", parents=[common], help="make a version champion")
    promote.add_argument("name")
    promote.add_argument("version")
    promote.add_argument("--reason", default="promoted by hand", help="recorded in the history")
    promote.set_defaults(func=_run, action=_promote)
    rollback = commands.add_parser(
        "rollback", parents=[common], help="move champion back to the previous champion"
    )
    rollback.add_argument("name")
    rollback.add_argument("--reason", default="rolled back by hand", help="recorded with it")
    rollback.set_defaults(func=_run, action=_rollback)


def _run(args: argparse.Namespace) -> int:
    from ideko.runtime.registry import RegistryError, open_registry

    try:
        registry = open_registry(args.registry, args.backend)
        result = args.action(registry, args)
    except RegistryError as exc:
        print(f"ideko models: error: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result["json"], indent=2, sort_keys=True))
    else:
        print(result["text"])
    return 0


def _metrics(tags: dict[str, str]) -> dict[str, Any]:
    from ideko.runtime.registry import tags as keys

    value = keys.decode_json(tags.get(keys.TEST_METRICS), {})
    return value if isinstance(value, dict) else {}


def _number(value: Any) -> str:
    return f"{value:.4f}" if isinstance(value, int | float) else "-"


def _list(registry: Any, _args: argparse.Namespace) -> dict[str, Any]:
    models = registry.list_models()
    rows, out = [], []
    for model in models:
        versions = registry.list_versions(model.name)
        champion = model.aliases.get("champion")
        metric = "-"
        if champion is not None:
            found = [v for v in versions if v.version == champion]
            metric = _number(_metrics(found[0].tags).get("accuracy")) if found else "gone"
        rows.append(
            [
                model.name,
                f"v{champion}" if champion else "-",
                metric,
                f"v{model.aliases['challenger']}" if "challenger" in model.aliases else "-",
                f"v{versions[-1].version}" if versions else "-",
                str(len(versions)),
            ]
        )
        out.append(
            {
                "name": model.name,
                "aliases": model.aliases,
                "versions": [v.version for v in versions],
                "tags": model.tags,
            }
        )
    header = ["NAME", "CHAMPION", "ACCURACY", "CHALLENGER", "LATEST", "VERSIONS"]
    text = table(header, rows) if rows else cut(f"no registered models in {registry.uri}", WIDTH)
    return {"json": {"registry": registry.uri, "backend": registry.backend, "models": out},
            "text": text}


def _split(target: str) -> tuple[str, str | None]:
    name, sep, ref = target.partition("/")
    return name, (ref if sep and ref else None)


def _show(registry: Any, args: argparse.Namespace) -> dict[str, Any]:
    from ideko.runtime.registry.promotion import history

    name, ref = _split(args.target)
    if ref is not None:
        return _show_version(registry.resolve(name, ref))
    model = registry.get_model(name)
    versions = registry.list_versions(name)
    rows = []
    for v in versions:
        metrics = _metrics(v.tags)
        rows.append(
            [
                f"v{v.version}",
                ",".join(sorted(v.aliases)) or "-",
                v.tags.get("ideko.source_model", "-"),
                _number(metrics.get("accuracy")),
                _number(metrics.get("macro_f1")),
                v.tags.get("ideko.data_commit") or v.tags.get("ideko.data_fingerprint", "-")[7:19],
                v.created_at or "-",
            ]
        )
    changes = history(registry, name)
    lines = [
        cut(f"{name} ({registry.backend}) in {registry.uri}", WIDTH),
        "",
        table(["VERSION", "ALIASES", "MODEL", "ACCURACY", "MACRO_F1", "DATA", "CREATED"], rows),
    ]
    if changes:
        lines += ["", "champion history:"]
        lines += [
            table(
                ["AT", "ACTION", "TO", "FROM", "BY", "WHY"],
                [
                    [
                        str(c.get("at", "")),
                        str(c.get("action", "")),
                        f"v{c.get('version')}",
                        f"v{c['previous']}" if c.get("previous") else "-",
                        str(c.get("by", "")),
                        str(c.get("why", "")),
                    ]
                    for c in changes
                ],
            )
        ]
    return {
        "json": {
            "name": name,
            "aliases": model.aliases,
            "versions": [v.as_dict() for v in versions],
            "champion_history": changes,
        },
        "text": "\n".join(lines),
    }


def _decoded(tags: dict[str, str]) -> dict[str, Any]:
    from ideko.runtime.registry import tags as keys

    return {k: keys.decode_json(v, v) for k, v in tags.items()}


def _show_version(version: Any) -> dict[str, Any]:
    facts = [
        ("model", f"{version.name}/{version.version}"),
        ("aliases", ", ".join(sorted(version.aliases)) or "-"),
        ("created", version.created_at or "-"),
        ("model files", version.model_uri),
    ]
    for key, value in sorted(_decoded(version.tags).items()):
        if isinstance(value, dict):
            for sub, item in sorted(value.items()):
                if not isinstance(item, dict | list):
                    facts.append((f"{key.removeprefix('ideko.')}.{sub}", str(item)))
        elif not isinstance(value, list):
            facts.append((key.removeprefix("ideko."), str(value)))
    return {"json": version.as_dict(), "text": pairs(facts)}


def _compare(registry: Any, args: argparse.Namespace) -> dict[str, Any]:
    first = registry.resolve(args.name, args.first)
    second = registry.resolve(args.name, args.second)
    one, two = _decoded(first.tags), _decoded(second.tags)
    rows: list[list[str]] = []
    out: dict[str, Any] = {}

    def add(label: str, a: Any, b: Any) -> None:
        diff = ""
        if isinstance(a, int | float) and isinstance(b, int | float):
            diff = f"{b - a:+.4f}"
            a, b = _number(a), _number(b)
        rows.append([label, str(a if a is not None else "-"), str(b if b is not None else "-"),
                     diff or ("" if a == b else "differs")])
        out[label] = {"first": a, "second": b}

    add("aliases", ",".join(first.aliases) or "-", ",".join(second.aliases) or "-")
    for key in ("ideko.source_model", "ideko.architecture"):
        add(key.removeprefix("ideko."), one.get(key), two.get(key))
    m1, m2 = _metrics(first.tags), _metrics(second.tags)
    for key in sorted(set(m1) | set(m2)):
        add(f"test.{key}", m1.get(key), m2.get(key))
    v1 = one.get("ideko.metrics.validation") or {}
    v2 = two.get("ideko.metrics.validation") or {}
    for key in sorted(set(v1) | set(v2)):
        add(f"validation.{key}", v1.get(key), v2.get(key))
    for key in (
        "ideko.selection_score",
        "ideko.data_fingerprint",
        "ideko.data_commit",
        "ideko.test_set_sha256",
        "ideko.spec_sha256",
        "ideko.git_commit",
        "ideko.pipeline_run_id",
        "ideko.champion_evaluation",
    ):
        add(key.removeprefix("ideko."), one.get(key), two.get(key))
    header = ["FIELD", f"v{first.version}", f"v{second.version}", "CHANGE"]
    return {
        "json": {"name": args.name, "first": first.version, "second": second.version,
                 "fields": out},
        "text": table(header, rows),
    }


def _promote(registry: Any, args: argparse.Namespace) -> dict[str, Any]:
    from ideko.runtime.registry.promotion import crown

    version = registry.get_version(args.name, args.version)
    entry = crown(registry, args.name, version.version, "promote", args.reason)
    return {"json": entry, "text": _entry_text(args.name, entry)}


def _rollback(registry: Any, args: argparse.Namespace) -> dict[str, Any]:
    from ideko.runtime.registry.promotion import rollback

    entry = rollback(registry, args.name, args.reason)
    return {"json": entry, "text": _entry_text(args.name, entry)}


def _entry_text(name: str, entry: dict[str, Any]) -> str:
    before = f"v{entry['previous']}" if entry.get("previous") else "none"
    return "\n".join(
        [
            cut(f"{name}: champion is now v{entry['version']} (was {before})", WIDTH),
            cut(f"{entry['action']} by {entry['by']} at {entry['at']}", WIDTH),
            cut(f"why: {entry['why']}", WIDTH),
        ]
    )
