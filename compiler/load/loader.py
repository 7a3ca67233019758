"""``load_spec``: the one way from a spec file to a typed, validated ``Spec``.

The pipeline, each stage its own module and testable alone:
locate the spec and its repository once (``source``) -> read YAML (``yaml_doc``) -> resolve
``models.include`` (``include``) -> upgrade older apiVersions (``UPGRADES``) -> JSON Schema
(``schema_check``) -> fill defaults (``defaults``) -> typed objects (``typed_spec``) ->
registered semantic checks (``semantic``). Problems are collected across stages and raised
once as a ``SpecError`` whose diagnostics are sorted by file, line, column and path. When
the schema fails, the semantic checks still run on the intact parts (``salvage``), so one
run shows every mistake.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ideko.compiler.load.check_context import CheckContext
from ideko.compiler.load.defaults import fill_defaults
from ideko.compiler.load.diagnostics import Diagnostic, SpecError, SpecNotFoundError
from ideko.compiler.load.include import resolve_includes
from ideko.compiler.load.salvage import salvage
from ideko.compiler.load.schema_check import check_schema
from ideko.compiler.load.semantic import run_checks
from ideko.compiler.load.source import locate
from ideko.compiler.load.spec_model import Spec
from ideko.compiler.load.typed_spec import to_spec
from ideko.compiler.load.yaml_doc import not_a_file, read_yaml

__all__ = ["Diagnostic", "SpecError", "SpecNotFoundError", "load_spec"]

CURRENT_API_VERSION = "ideko.dev/v1"
# apiVersion -> function rewriting such data into the next version. Empty while v1 is the
# only version; a v2 adds "ideko.dev/v1": _v1_to_v2 here and bumps CURRENT_API_VERSION.
UPGRADES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {}


def upgrade(data: dict[str, Any]) -> dict[str, Any]:
    """Rewrite data written for an older apiVersion into the current one."""
    seen: set[str] = set()
    while isinstance(data.get("apiVersion"), str) and data["apiVersion"] in UPGRADES:
        version = data["apiVersion"]
        if version in seen:  # a broken upgrade table must not loop forever
            break
        seen.add(version)
        data = UPGRADES[version](data)
    return data


def load_spec(path: Path | str, repo_root: Path | None = None) -> Spec:
    """Load and validate the spec at ``path``; raise SpecError listing every problem.

    A path that names no regular file (missing, a folder, ``/dev/zero``, a FIFO) raises
    ``SpecNotFoundError`` (a SpecError subclass) so CLIs can treat it as a usage error.
    """
    path = Path(path)
    display = str(path)
    problem = not_a_file(path)
    if problem is not None:
        raise SpecNotFoundError([Diagnostic(display, 1, 1, "", f"spec file {problem}")])
    source = locate(path, repo_root)
    document = read_yaml(path, display)
    if not isinstance(document.data, dict):
        kind = "a list" if isinstance(document.data, list) else "a single value"
        raise SpecError([Diagnostic(display, 1, 1, "", f"expected a mapping of settings "
                                    f"(apiVersion, metadata, ...), got {kind}")])
    resolved = resolve_includes(document, source)
    data = upgrade(resolved.data)
    schema_diagnostics = check_schema(data, resolved.locator)
    if resolved.diagnostics:
        # Without the included models, `models` is incomplete: its schema errors are noise.
        schema_diagnostics = [d for d in schema_diagnostics if not _under_models(d)]
    diagnostics = [*resolved.diagnostics, *schema_diagnostics]
    if not diagnostics:
        spec = to_spec(fill_defaults(data), source)
        diagnostics = run_checks(spec, CheckContext(resolved.locator, data))
        if diagnostics:
            raise SpecError(diagnostics)
        return spec
    # Report semantic mistakes in the intact parts too, so one run shows everything.
    salvaged = salvage(data, models_incomplete=bool(resolved.diagnostics))
    if salvaged is not None:
        spec = to_spec(fill_defaults(salvaged.data), source)
        context = CheckContext(resolved.locator, salvaged.data)
        diagnostics += [d for d in run_checks(spec, context) if not salvaged.covers(d)]
    raise SpecError(diagnostics)


def _under_models(diag: Diagnostic) -> bool:
    return diag.path == "models" or diag.path.startswith("models.")
