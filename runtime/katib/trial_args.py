"""Edit a trial command's ``--flag VALUE`` arguments, as the tune step and ``ideko tune`` do.

Both the cluster backend (the run's data location injected into the manifest it submits)
and the local tuner (the same, plus ``--set``-style flags from the command line) rewrite the
trial container's arguments with these functions, so a trial sees the same command either way.
"""

from __future__ import annotations

from ideko.runtime.katib.errors import TuneError


def set_arg(argv: list[str], name: str, value: str) -> list[str]:
    """Replace the value of ``--name`` (``--name V`` or ``--name=V``); append when absent."""
    flag = f"--{name.lstrip('-')}"
    hits = [i for i, a in enumerate(argv) if a == flag or a.startswith(flag + "=")]
    if len(hits) > 1:
        raise TuneError(f"{flag} appears {len(hits)} times in the trial command; cannot set it")
    out = list(argv)
    if not hits:
        return [*out, flag, value]
    i = hits[0]
    if out[i] == flag:
        if i + 1 >= len(out):
            return [*out, value]
        out[i + 1] = value
    else:
        out[i] = f"{flag}={value}"
    return out


def drop_arg(argv: list[str], name: str) -> list[str]:
    """Remove every ``--name V`` / ``--name=V`` from ``argv``."""
    flag = f"--{name.lstrip('-')}"
    out: list[str] = []
    skip = False
    for i, arg in enumerate(argv):
        if skip:
            skip = False
            continue
        if arg == flag:
            skip = i + 1 < len(argv)
            continue
        if arg.startswith(flag + "="):
            continue
        out.append(arg)
    return out


def inject_train_data(argv: list[str], uri: str) -> list[str]:
    """The pipeline's data injection: ``--data-uri X [--data-ref R]`` -> ``--train-data URI``.

    ``--data-config`` stays: with ``--train-data`` the train entry point only reads the
    padding value from it (the mask value must match the preprocessed data's padding).
    """
    return set_arg(drop_arg(drop_arg(argv, "data-uri"), "data-ref"), "train-data", uri)
