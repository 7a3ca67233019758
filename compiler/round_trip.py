"""The check that a generated file's text is exactly the documents it was dumped from.

``render`` runs it on every text it returns and ``write`` on every temporary file it wrote,
before moving it into place; it sits below both stages so each can call it.
"""

from __future__ import annotations

from typing import Any

import yaml


def round_trip_problem(text: str, documents: list[Any]) -> str | None:
    """Why ``text`` does not parse back to exactly ``documents``, or None.

    The comment lines of a generated file hold spec text (kfp writes the description and the
    parameter defaults into its ``# Inputs:`` header); were a line break ever to get through,
    it would add keys to the document. Parsing the text back and comparing it with the
    objects that were dumped makes any such file an error instead of an output.
    """
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        parsed = list(yaml.load_all(text, Loader=loader))
    except yaml.YAMLError as exc:
        return f"it is not valid YAML ({str(exc).splitlines()[0]})"
    if parsed != documents:
        return "it does not parse back to the documents that were built"
    return None
