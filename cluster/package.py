"""What is submitted: one compiled pipeline (KFP IR text) and what the checks need from it.

The IR is uploaded byte for byte, so its sha256 names the pipeline version: a re-submit of
unchanged content finds the version it created before instead of making another. The
runtime images and the Katib Experiments the tune steps will create are read from the IR
itself (executors and the manifests compiled into the tune tasks), so a hand-edited
``pipeline.yaml`` is checked as it is, not as the spec says it should be.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from ideko.cluster.errors import SubmitError
from ideko.schema.ir_file import IRFileError, ir_documents

EXPERIMENT_API = "kubeflow.org/v1beta1"
SHA_CHARS = 12  # of the IR's sha256 in a version name: unique enough, short enough for the UI
IR_ONLY_LABEL = "ir"  # version label of a pipeline.yaml submitted without its spec


@dataclass(frozen=True)
class PipelinePackage:
    """A compiled pipeline ready to upload.

    ``spec_version`` is the spec's ``metadata.version`` (None when only the IR was given:
    the IR does not carry it); ``rbac_text``/``rbac_path`` are the compiled Role and
    RoleBinding for the tune steps and where ``ideko-compile`` writes them.
    """

    text: str
    source: str
    spec_version: str | None = None
    rbac_text: str | None = None
    rbac_path: str | None = None

    @cached_property
    def document(self) -> dict[str, Any]:
        return parse_ir(self.text, self.source)

    @property
    def name(self) -> str:
        return str(self.document["pipelineInfo"]["name"])

    @property
    def description(self) -> str:
        return str(self.document["pipelineInfo"].get("description") or "")

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def content_tag(self) -> str:
        """The part of a version name that identifies the content."""
        return self.sha256[:SHA_CHARS]

    @property
    def version_name(self) -> str:
        """``<metadata.version>-<sha256[:12]>``, e.g. ``0.1.0-3f2a9c1b7e4d``."""
        return f"{self.spec_version or IR_ONLY_LABEL}-{self.content_tag}"

    @property
    def root_inputs(self) -> dict[str, Any]:
        """The pipeline's parameters as the IR declares them (type, default)."""
        root = self.document.get("root") or {}
        return dict((root.get("inputDefinitions") or {}).get("parameters") or {})

    @cached_property
    def images(self) -> list[str]:
        """Every container image a step or a Katib trial of this pipeline runs, sorted."""
        found: set[str] = set()
        executors = (self.document.get("deploymentSpec") or {}).get("executors") or {}
        for executor in executors.values():
            image = (executor.get("container") or {}).get("image")
            if image:
                found.add(str(image))
        for experiment in self.experiments:
            trial = experiment["spec"]["trialTemplate"]["trialSpec"]
            for container in trial["spec"]["template"]["spec"].get("containers") or []:
                if container.get("image"):
                    found.add(str(container["image"]))
        return sorted(found)

    @cached_property
    def experiments(self) -> list[dict[str, Any]]:
        """The Katib Experiments compiled into the tune tasks (empty: no tune step)."""
        return [e for e in _json_documents(self.document) if _is_experiment(e)]


def parse_ir(text: str, source: str) -> dict[str, Any]:
    """The PipelineSpec document of an IR text (:mod:`ideko.schema.ir_file`); anything else
    is a one-line ``SubmitError``."""
    try:
        return ir_documents(text, source)[0]
    except IRFileError as exc:
        raise SubmitError(str(exc)) from None


def load_ir_file(path: Path, rbac_file: str) -> PipelinePackage:
    """A compiled ``pipeline.yaml``, with the ``katib/rbac.yaml`` written beside it if any."""
    text = path.read_text(encoding="utf-8")
    rbac = path.parent / rbac_file
    package = PipelinePackage(
        text=text,
        source=str(path),
        rbac_text=rbac.read_text(encoding="utf-8") if rbac.is_file() else None,
        rbac_path=str(rbac) if rbac.is_file() else None,
    )
    package.document  # noqa: B018 - parse now: a wrong file fails before any network call
    return package


def _json_documents(node: Any) -> Iterator[dict[str, Any]]:
    """JSON objects held in string constants anywhere in the IR (how manifests travel)."""
    if isinstance(node, dict):
        for value in node.values():
            yield from _json_documents(value)
    elif isinstance(node, list):
        for value in node:
            yield from _json_documents(value)
    elif isinstance(node, str) and node.startswith("{") and EXPERIMENT_API in node:
        try:
            parsed = json.loads(node)
        except ValueError:
            return
        if isinstance(parsed, dict):
            yield parsed


def _is_experiment(document: dict[str, Any]) -> bool:
    return document.get("apiVersion") == EXPERIMENT_API and document.get("kind") == "Experiment"
