"""The runtime image installs exactly the extras this test environment was installed with.

The image cannot be built here (no Docker); what can be checked is that its recipe is the one
the tests exercise: `pip install .[runtime]` on python:3.11-slim, every package folder copied,
a non-root user, an entry point, and kfp (which KFP's executor needs) in the installed set.
"""

from __future__ import annotations

import importlib.metadata as md
import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "runtime" / "Dockerfile"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with line continuations joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            out.append((keyword.upper(), rest.strip()))
    return out


def installed_extras() -> set[str]:
    pip_lines = [args for kw, args in instructions() if kw == "RUN" and "pip install" in args]
    assert len(pip_lines) == 1, "one pip install of the project"
    found = re.findall(r"""["']?\.\[([\w,\s-]+)\]["']?""", pip_lines[0])
    assert found, f"the project is not installed with extras: {pip_lines[0]}"
    return {extra.strip() for group in found for extra in group.split(",")}


def test_base_image_user_and_entrypoint():
    steps = instructions()
    assert steps[0] == ("FROM", "python:3.11-slim")
    users = [args for kw, args in steps if kw == "USER"]
    assert users and not users[-1].startswith(("root", "0")), "runs as a non-root user"
    entry = [args for kw, args in steps if kw == "ENTRYPOINT"]
    assert entry == ['["ideko", "step"]']


def test_every_package_folder_is_copied():
    copied = {args.split()[0] for kw, args in instructions() if kw == "COPY"}
    folders = set(PYPROJECT["tool"]["setuptools"]["package-dir"].values())
    assert folders <= copied, f"missing COPY for {sorted(folders - copied)}"
    assert "pyproject.toml" in copied


def test_image_extras_are_the_tested_extras():
    assert installed_extras() == {"runtime"}
    assert "dev" not in installed_extras(), "test tools stay out of the image"


def _satisfied(requirement: str) -> bool:
    req = Requirement(requirement)
    try:
        version = md.version(req.name)
    except md.PackageNotFoundError:
        return False
    return req.specifier.contains(version, prereleases=True)


def test_this_environment_has_what_the_image_installs():
    """Tests run against the same install set the image gets: base + [runtime] pins."""
    wanted = (
        PYPROJECT["project"]["dependencies"]
        + PYPROJECT["project"]["optional-dependencies"]["runtime"]
    )
    missing = [r for r in wanted if not _satisfied(r)]
    assert not missing, f"the test venv lacks image requirements: {missing}"


def test_kfp_comes_with_the_runtime_install():
    names = {Requirement(r).name for r in PYPROJECT["project"]["dependencies"]}
    assert "kfp" in names, "KFP's executor runs component bodies: kfp must be in the image"
    import kfp.dsl

    assert hasattr(kfp.dsl, "Metrics") and hasattr(kfp.dsl, "ClassificationMetrics")
