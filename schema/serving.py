"""How a served model is named: the registry reference both halves write and read.

The compiler writes ``NAME@ALIAS`` (or ``NAME/VERSION``) into the InferenceService's
predictor arguments; the model server parses it back at start-up. The patterns below are
also the spec schema's (``serving.model``, ``serving.ref``; a test checks they agree), and
the InferenceService name rule is KServe's admission webhook's.
"""

from __future__ import annotations

import re

DEFAULT_ALIAS = "champion"
# A registered model name, as the register step accepts it.
MODEL_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"
# An alias (champion, challenger, ...) or a version number.
_ALIAS = r"[A-Za-z][A-Za-z0-9_-]{0,63}"
REF_PATTERN = rf"^({_ALIAS}|[0-9]+)$"
# KServe's webhook: an InferenceService name is a DNS-1035 label (IsvcNameFmt). Knative
# names the predictor's service `<name>-predictor` and its revisions
# `<name>-predictor-00001`, which must stay within 63 characters.
ISVC_NAME_PATTERN = r"^[a-z]([-a-z0-9]*[a-z0-9])?$"
MAX_ISVC_NAME = 63 - len("-predictor-00001")

_REFERENCE = re.compile(
    r"(?P<name>" + MODEL_NAME_PATTERN[1:-1] + r")"
    rf"(?:@(?P<alias>{_ALIAS})|/(?P<version>[0-9]+))?"
)


class ModelReferenceError(ValueError):
    """A model reference that is not NAME, NAME@ALIAS or NAME/VERSION."""


def model_reference(name: str, ref: str) -> str:
    """``NAME@ALIAS`` for an alias, ``NAME/VERSION`` for a version number."""
    return f"{name}/{ref}" if ref.isdigit() else f"{name}@{ref}"


def parse_model_reference(text: str) -> tuple[str, str]:
    """``NAME`` -> (NAME, champion); ``NAME@ALIAS`` -> (NAME, ALIAS); ``NAME/3`` -> (NAME, 3)."""
    match = _REFERENCE.fullmatch(text)
    if match is None:
        raise ModelReferenceError(
            f"model reference {text!r}: expected NAME, NAME@ALIAS or NAME/VERSION "
            "(e.g. ideko-anomaly-classification@champion)"
        )
    return match["name"], match["alias"] or match["version"] or DEFAULT_ALIAS
