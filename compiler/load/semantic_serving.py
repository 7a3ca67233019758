"""Semantic checks of the ``serving`` section (the KServe InferenceService).

The schema checks a written ``serving.name``; the name it defaults to (``metadata.name``) is
a DNS-1123 label, which may start with a digit or be longer than KServe allows, so that case
is checked here and reported on ``metadata.name`` with the two ways out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ideko.compiler.load.check_context import CheckContext
from ideko.compiler.load.diagnostics import Diagnostic
from ideko.compiler.load.spec_model import Spec
from ideko.schema.serving import ISVC_NAME_PATTERN, MAX_ISVC_NAME

_ISVC_NAME = re.compile(ISVC_NAME_PATTERN)


def check_serving(spec: Spec, ctx: CheckContext) -> Iterator[Diagnostic]:
    """The InferenceService name fits KServe; replicas are ordered; requests fit limits."""
    from ideko.compiler.load.semantic import resource_problems  # semantic imports this module

    serving = spec.serving
    if serving is None:
        return
    if not ctx.written(("serving", "name")):
        name = serving.name
        why = (
            f"is {len(name)} characters (KServe allows {MAX_ISVC_NAME})"
            if len(name) > MAX_ISVC_NAME
            else "does not start with a letter"
            if not _ISVC_NAME.match(name)
            else ""
        )
        if why:
            yield ctx.at(
                ("metadata", "name"),
                f"'{name}' also names the KServe InferenceService and {why}; set serving.name "
                "or serving.enabled: false",
            )
    if serving.min_replicas > serving.max_replicas:
        path = ("serving", "min_replicas")
        yield ctx.at(path, f"min_replicas ({serving.min_replicas}) is greater than "
                     f"max_replicas ({serving.max_replicas})")
    yield from resource_problems(serving.resources, ("serving", "resources"), ctx)
