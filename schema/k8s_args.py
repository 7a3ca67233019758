"""Kubernetes' ``$(VAR)`` expansion in a container's ``command``/``args``, and its escape.

Kubernetes replaces ``$(NAME)`` in ``command`` and ``args`` with the container's environment
variable ``NAME`` (``$$`` stands for one ``$``). A trial container defines the artifact
store's keys from a Secret, so a spec string such as a class label ``$(AWS_SECRET_ACCESS_KEY)``
placed verbatim in the args would put the secret into the trial's command line. The compiler
therefore ``escape``s every spec-derived argument, and the local tuner ``expand``s a
manifest's arguments exactly as the kubelet does, so a trial sees the same text either way.
"""

from __future__ import annotations

import re

_NEEDS_ESCAPE = re.compile(r"\$(?=[($])")
_REFERENCE = re.compile(r"\$(\$|\(([^)]*)\))")  # the name runs to the first ")"


def escape(text: str) -> str:
    """``text`` such that Kubernetes' expansion gives ``text`` back: ``$(`` -> ``$$(``.

    A ``$`` followed by ``$`` is doubled too, so ``$$(X)`` written in a spec stays itself.
    """
    return _NEEDS_ESCAPE.sub("$$", text)


def expand(text: str, env: dict[str, str]) -> str:
    """Kubernetes' expansion of one argument: ``$(NAME)`` -> ``env[NAME]`` when defined
    (left as written otherwise), ``$$`` -> ``$``; any other ``$`` stays."""

    def replace(match: re.Match[str]) -> str:
        if match.group(1) == "$":
            return "$"
        name = match.group(2)
        return env.get(name, match.group(0))

    return _REFERENCE.sub(replace, text)
