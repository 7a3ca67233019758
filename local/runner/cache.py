"""Step cache in KFP's spirit: a key over component spec, executor image/command, input
parameter values and input artifact digests; outputs copied in and out of
``<run-root>/cache/<key>/`` and verified by digest, so a damaged entry is a miss, not a crash.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from ideko.local.runner.artifacts import ArtifactRef, Outputs, tree_digest
from ideko.local.runner.errors import RunnerError, os_error_text
from ideko.local.runner.inputs import ResolvedInputs
from ideko.local.runner.ir import TaskNode
from ideko.local.runner.local_data import local_data_signatures

_ENTRY = "entry.json"


def caching_enabled(node: TaskNode) -> bool:
    """KFP writes ``cachingOptions: {enableCache: true}``; ``{}`` means caching is off."""
    return bool(node.spec.get("cachingOptions", {}).get("enableCache", False))


def cache_key(node: TaskNode, inputs: ResolvedInputs) -> str:
    """Stable key of one execution: what runs, on what inputs (never where or when); a local
    data folder counts by its files, not its path (:mod:`ideko.local.runner.local_data`)."""
    container = node.executor or {}
    material = {
        "component": {k: node.component.get(k) for k in ("inputDefinitions", "outputDefinitions")},
        "executor": {k: container.get(k) for k in ("image", "command", "args", "env")},
        "parameters": inputs.parameters,
        "artifacts": {
            name: {"type": ref.schema_title, "digest": ref.digest, "metadata": ref.metadata}
            for name, ref in sorted(inputs.artifacts.items())
        },
    }
    local_data = local_data_signatures(inputs.parameters)
    if local_data:  # only then: keys of tasks without a local folder stay as they were
        material["local_data"] = local_data
    text = json.dumps(material, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class CacheStore:
    """Content store of task outputs keyed by ``cache_key``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def restore(self, key: str, output_dir: Path) -> Outputs | None:
        """Copy a cached entry's artifacts into ``output_dir``; None on any miss or damage."""
        entry_dir = self.root / key
        try:
            entry = json.loads((entry_dir / _ENTRY).read_text(encoding="utf-8"))
            outputs = Outputs(parameters=dict(entry["parameters"]))
            if output_dir.exists():
                shutil.rmtree(output_dir)
            output_dir.mkdir(parents=True)
            for name, info in entry["artifacts"].items():
                outputs.artifacts[name] = self._restore_artifact(entry_dir, output_dir, name, info)
        except (OSError, ValueError, KeyError, TypeError, _Damaged):
            if output_dir.exists():
                shutil.rmtree(output_dir, ignore_errors=True)
            return None
        return outputs

    def _restore_artifact(
        self, entry_dir: Path, output_dir: Path, name: str, info: dict[str, Any]
    ) -> ArtifactRef:
        source = entry_dir / "artifacts" / name
        target = output_dir / name
        if info["digest"]:
            if source.is_dir():
                shutil.copytree(source, target)
            elif source.is_file():
                shutil.copy2(source, target)
            else:
                raise _Damaged(name)
            if tree_digest(target) != info["digest"]:
                raise _Damaged(name)
        return ArtifactRef.from_json(
            {**info, "metadata": dict(info["metadata"]), "name": name, "uri": str(target)}
        )

    def store(self, key: str, outputs: Outputs, task: str = "") -> None:
        """Save outputs atomically (temp dir, then rename); an existing entry is replaced.

        A failed write (disk full) leaves no partial entry and is a :class:`RunnerError`
        naming the task and the cache folder."""
        try:
            self._store(key, outputs)
        except OSError as exc:
            error = _first_os_error(exc)
            doing = f"cannot store the outputs of {task or key[:12]} in the cache {self.root}"
            raise RunnerError(os_error_text(error, doing)) from exc

    def _store(self, key: str, outputs: Outputs) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{key[:12]}-", dir=self.root))
        try:
            (tmp / "artifacts").mkdir()
            artifacts: dict[str, Any] = {}
            for name, ref in outputs.artifacts.items():
                source = Path(ref.uri)
                if source.is_dir():
                    shutil.copytree(source, tmp / "artifacts" / name)
                elif source.is_file():
                    shutil.copy2(source, tmp / "artifacts" / name)
                # where it lives is the entry's own folder: name and uri are not stored
                artifacts[name] = {
                    k: v for k, v in ref.to_json().items() if k not in ("name", "uri")
                }
            entry = {"parameters": outputs.parameters, "artifacts": artifacts}
            (tmp / _ENTRY).write_text(json.dumps(entry, sort_keys=True), encoding="utf-8")
            final = self.root / key
            if final.exists():
                shutil.rmtree(final, ignore_errors=True)
            with contextlib.suppress(OSError):  # a concurrent run stored the same key first
                os.replace(tmp, final)
        finally:
            if tmp.exists():
                with contextlib.suppress(OSError):
                    shutil.rmtree(tmp)


def _first_os_error(exc: OSError) -> OSError:
    """``shutil.copytree`` gathers its failures into one ``shutil.Error`` of strings; the
    first one is rebuilt as the OSError it was (errno, reason, file) when it can be."""
    if not isinstance(exc, shutil.Error) or not exc.args or not exc.args[0]:
        return exc
    first = exc.args[0][0]
    if isinstance(first, tuple) and len(first) == 3:
        _, destination, why = first
        for code, name in ((errno.ENOSPC, "No space left on device"), (errno.EDQUOT, "Disk quota")):
            if name in str(why):
                return OSError(code, os.strerror(code), destination)
        return OSError(0, str(why), destination)
    return exc


class _Damaged(Exception):
    """A cached artifact is missing or its digest does not match."""
