"""Reading a compiled KFP IR file: the one reader both the local engine and ``ideko submit`` use.

kfp's compiler writes one or two YAML documents: the PipelineSpec, then (optionally) the
PlatformSpec. Both are checked against KFP's protobuf messages here, so a hand-edited or
wrong file is one clear line naming it, before the local engine plans a task or a
submission makes a network call. Callers turn :class:`IRFileError` into their own
user-facing error type.
"""

from __future__ import annotations

from typing import Any

import yaml

# libyaml's loader when present: a compiled pipeline is ~60 kB, 5x slower in pure Python.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class IRFileError(ValueError):
    """The text is not a compiled KFP pipeline; the message names the file and the fix."""


def ir_documents(text: str, where: str = "<pipeline>") -> tuple[dict[str, Any], dict[str, Any]]:
    """``(PipelineSpec, PlatformSpec)`` as plain dicts, both checked against KFP's protobuf
    messages; the PlatformSpec is ``{}`` when the file has a single document."""
    try:
        documents = [d for d in yaml.load_all(text, Loader=_LOADER) if d is not None]
    except yaml.YAMLError as exc:
        raise IRFileError(f"{where}: not valid YAML ({_first_line(exc)})") from None
    doc = documents[0] if documents else None
    if not isinstance(doc, dict) or "root" not in doc or "pipelineInfo" not in doc:
        raise IRFileError(
            f"{where}: neither an ideko spec (apiVersion: ideko.dev/v1) nor a compiled KFP "
            "pipeline (pipelineInfo/root); pass specs/<name>.yaml or "
            "generated/<name>/pipeline.yaml"
        )
    if len(documents) > 2:
        raise IRFileError(
            f"{where}: expected a PipelineSpec and at most one PlatformSpec document, "
            f"found {len(documents)} documents"
        )
    platform = documents[1] if len(documents) == 2 else {}
    if not isinstance(platform, dict):
        raise IRFileError(f"{where}: the second document (PlatformSpec) must be a mapping")
    _validate_protobuf(doc, "PipelineSpec", where)
    _validate_protobuf(platform, "PlatformSpec", where)
    return doc, platform


def _validate_protobuf(doc: dict[str, Any], message: str, where: str) -> None:
    """Check a document against KFP's ``message`` (unknown fields, wrong types)."""
    from google.protobuf import json_format
    from kfp.pipeline_spec import pipeline_spec_pb2

    try:
        json_format.ParseDict(doc, getattr(pipeline_spec_pb2, message)())
    except json_format.ParseError as exc:
        raise IRFileError(f"{where}: not a valid KFP {message}: {_first_line(exc)}") from None


def _first_line(exc: BaseException) -> str:
    """One line of an exception's text (errors here are printed as a single line)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
