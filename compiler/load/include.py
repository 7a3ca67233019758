"""Resolve ``models: {include: path}``: load an original models.yaml and merge inline entries.

The included file keeps its own positions, so a mistake inside it is reported at
``that/models.yaml:LINE:COL``. Inline entries with the same key are deep-merged over the
included ones (inline wins), which is how a spec adds ``hpo:`` or ``resources:`` to an
included model without editing IDEKO's file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ideko.compiler.load.diagnostics import Diagnostic, SpecError
from ideko.compiler.load.source import SpecSource
from ideko.compiler.load.yaml_doc import Document, Locator, not_a_file, read_yaml, rebased

INCLUDE_KEY = "include"


@dataclass
class Resolved:
    """The spec's data with includes merged, and positions for every file involved."""

    data: Any
    locator: Locator
    diagnostics: list[Diagnostic]


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``over`` wins; mappings merge key by key, anything else (lists too) is replaced."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def resolve_includes(doc: Document, source: SpecSource) -> Resolved:
    """Merge the included models file (if any) into ``doc.data['models']``.

    Paths are relative to the spec; the included file must lie inside ``source.root``.
    """
    data, docs = doc.data, [doc]
    models = data.get("models") if isinstance(data, dict) else None
    if not isinstance(models, dict) or not isinstance(models.get(INCLUDE_KEY), str):
        return Resolved(data, Locator(docs), [])
    here = Locator(docs)
    where = ("models", INCLUDE_KEY)
    include: str = models[INCLUDE_KEY]
    inline = {k: v for k, v in models.items() if k != INCLUDE_KEY}
    merged = {**data, "models": inline}

    try:
        target = source.path.parent / include
        display = os.path.normpath(os.path.join(os.path.dirname(doc.file), include))
    except ValueError:  # a NUL byte in the include path
        return Resolved(merged, here, [here.diagnostic(where, "include path contains a NUL "
                                                              "byte; name a file")])
    problem = _check_target(target, source.root, include)
    if problem:
        return Resolved(merged, here, [here.diagnostic(where, problem)])
    try:
        included = read_yaml(target, display)
    except SpecError as exc:
        return Resolved(merged, here, exc.diagnostics)
    docs.append(rebased(included, ("models",)))
    locator = Locator(docs)
    if not isinstance(included.data, dict):
        message = "an included models file must be a mapping of model key -> model settings"
        return Resolved(merged, locator, [Locator([included]).diagnostic((), message)])
    diagnostics = []
    if INCLUDE_KEY in included.data:
        # Paths inside the included file are its own: report against that document alone.
        message = "an included models file cannot include another file"
        diagnostics.append(Locator([included]).diagnostic((INCLUDE_KEY,), message, at_key=True))
    body = {k: v for k, v in included.data.items() if k != INCLUDE_KEY}
    merged["models"] = deep_merge(body, inline)
    return Resolved(merged, locator, diagnostics)


def _check_target(target: Path, repo_root: Path, include: str) -> str | None:
    """Why ``target`` cannot be included from the (resolved) ``repo_root``, or None.

    Any path the filesystem refuses (a NUL byte, a lone surrogate, a name longer than the
    filesystem allows, a symlink loop) is a reason here, never an exception.
    """
    try:
        real = target.resolve()
        inside = real.is_relative_to(repo_root)
        if inside and not real.exists():
            return f"included file '{include}' does not exist (paths are relative to the spec)"
    except (OSError, RuntimeError, ValueError) as exc:
        why = getattr(exc, "strerror", None) or exc
        return f"cannot resolve include path '{include}' ({why})"
    if not inside:
        return (
            f"include '{include}' points outside the repository; "
            "copy the models file into the repository and include that copy"
        )
    problem = not_a_file(real)
    if problem is not None:
        return f"include '{include}' {problem}"
    return None
