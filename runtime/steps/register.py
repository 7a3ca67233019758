"""Register step: publish the selected model as ``<registry>/<model_name>/<version>/``.

Versions are consecutive integers. The version directory is assembled under a hidden staging
name and renamed into place, so a reader sees a complete version or none; two concurrent
registrations race on the rename and the loser takes the next number. ``model.json`` records
the metrics and a lineage fingerprint (sha256 over the model files).
"""

from __future__ import annotations

import argparse
import errno
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ideko.runtime.artifact_uri import local_path
from ideko.runtime.atomic import dir_mode
from ideko.runtime.cli_args import step_main
from ideko.runtime.errors import UserError

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
RECORD = "model.json"


def fingerprint(folder: Path) -> str:
    """sha256 over every file's relative path and bytes, in sorted order."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode("utf-8") + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def existing_versions(folder: Path) -> list[int]:
    """Published version numbers under a model's registry folder."""
    if not folder.is_dir():
        return []
    return sorted(int(p.name) for p in folder.iterdir() if p.is_dir() and p.name.isdigit())


def run(model_name: str, registry_uri: str, best_model: str | Path) -> dict[str, Any]:
    """Copy ``best_model`` into the registry; returns ``{version, uri, record}``."""
    from ideko.runtime.atomic import write_json

    if not NAME.match(model_name or ""):
        raise UserError(f"model name {model_name!r}: use letters, digits, '.', '_' or '-'")
    source = local_path(str(best_model), "best model")
    if not source.is_dir() or not any(source.glob("*.keras")):
        raise UserError(f"best model {source} is not a model directory with a .keras file")
    root = local_path(registry_uri, "registry") / model_name
    root.mkdir(parents=True, exist_ok=True)
    evaluation_file = source / "evaluation.json"
    evaluation = json.loads(evaluation_file.read_text("utf-8")) if evaluation_file.is_file() else {}
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=root))
    try:
        shutil.copytree(source, staging, dirs_exist_ok=True)
        record = {
            "name": model_name,
            "source_model": evaluation.get("model_name"),
            "architecture": evaluation.get("architecture"),
            "metrics": evaluation.get("summary", {}),
            "lineage": {
                **evaluation.get("lineage", {}),
                "fingerprint": "sha256:" + fingerprint(source),
                "source_uri": source.resolve().as_uri(),
                "model_config": evaluation.get("model_config"),
            },
            "registered_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        version = _publish(root, staging, record, write_json)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    target = root / str(version)
    return {
        "version": str(version),
        "uri": target.resolve().as_uri(),
        "record": {**record, "version": version},
    }


def _publish(root: Path, staging: Path, record: dict[str, Any], write: Any) -> int:
    for _attempt in range(100):
        version = max(existing_versions(root), default=0) + 1
        write(staging / RECORD, {**record, "version": version})
        os.chmod(staging, dir_mode())
        try:
            os.rename(staging, root / str(version))
            return version
        except OSError as exc:  # someone published this number first: take the next one
            if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                raise
    raise UserError(f"could not publish a new version under {root}: too many concurrent writers")


def component(
    model_name: str, registry_uri: str, best_model: Any, registered_model: Any
) -> dict[str, Any]:
    """KFP body: registers ``best_model`` and describes the entry in ``registered_model``."""
    from ideko.runtime.atomic import write_json

    outputs = run(model_name, registry_uri, best_model.path)
    write_json(registered_model.path, outputs["record"] | {"uri": outputs["uri"]})
    registered_model.metadata.update(
        {"name": model_name, "version": outputs["version"], "registry_uri": outputs["uri"]}
    )
    return {"version": outputs["version"]}


def build_parser(prog: str = "python -m ideko.runtime.steps.register") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n")[0])
    parser.add_argument("--model-name", required=True, help="registry entry name")
    parser.add_argument(
        "--registry-uri", required=True, help="registry root (local path or file://)"
    )
    parser.add_argument("--best-model", required=True, help="model directory from the compare step")
    return parser


def _action(args: argparse.Namespace) -> int:
    outputs = run(args.model_name, args.registry_uri, args.best_model)
    print(json.dumps({"version": outputs["version"], "uri": outputs["uri"]}))
    return 0


main = step_main(build_parser, _action)


if __name__ == "__main__":
    sys.exit(main())
