"""The ``git`` command line, as the DVC source drives it (DVC itself reads through dvc.api).

git is what a user of a DVC repository already runs; calling it keeps branches, tags, merges
and reverts exactly git's. A failing command is a :class:`DataError` with git's own words.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from ideko.runtime.data.errors import DataError

# A fixed identity and no user config: commits made by ideko do not depend on ~/.gitconfig.
_ENV = {
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_CONFIG_NOSYSTEM": "1",
}
IDENTITY = {"GIT_AUTHOR_NAME": "ideko", "GIT_AUTHOR_EMAIL": "ideko@localhost"}


def git(root: Path | str | None, *args: str, check: bool = True) -> str:
    """Run ``git -C root ARGS`` and return its stdout (stripped)."""
    executable = shutil.which("git")
    if executable is None:
        raise DataError("the DVC/git source needs the git command (apt-get install git)")
    env = {**os.environ, **_ENV}
    for name, value in IDENTITY.items():
        env.setdefault(name, value)
    env.setdefault("GIT_COMMITTER_NAME", env["GIT_AUTHOR_NAME"])
    env.setdefault("GIT_COMMITTER_EMAIL", env["GIT_AUTHOR_EMAIL"])
    command = [executable, *(["-C", str(root)] if root is not None else []), *args]
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if check and done.returncode != 0:
        words = (done.stderr or done.stdout).strip().splitlines()
        raise DataError(f"git {' '.join(args[:2])}: {words[-1] if words else 'failed'}")
    return done.stdout.strip()
