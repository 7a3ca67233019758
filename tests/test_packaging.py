"""The wheel maps the fixed folders under `ideko.*`, ships every package, and nothing generic."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]


def _package_dirs() -> dict[str, Path]:
    """Every import package on disk, by its `ideko.*` name, following pyproject's mapping."""
    found: dict[str, Path] = {}
    for top, folder in SETUPTOOLS["package-dir"].items():
        base = ROOT / folder
        for init in base.rglob("__init__.py"):
            rel = init.parent.relative_to(base)
            name = ".".join((top, *rel.parts)) if rel.parts else top
            found[name] = init.parent
    return found


def test_every_package_on_disk_is_declared() -> None:
    declared = set(SETUPTOOLS["packages"])
    missing = sorted(set(_package_dirs()) - declared)
    assert not missing, f"add these to [tool.setuptools] packages in pyproject.toml: {missing}"


def _declared_dir(package: str) -> Path | None:
    """The folder a declared package maps to (data-only packages have no __init__.py)."""
    for top, folder in SETUPTOOLS["package-dir"].items():
        if package == top or package.startswith(top + "."):
            rest = package[len(top) :].lstrip(".").split(".")
            return ROOT / folder / Path(*[p for p in rest if p])
    return None


def test_every_declared_package_exists() -> None:
    ghosts = sorted(
        p for p in SETUPTOOLS["packages"] if not (d := _declared_dir(p)) or not d.is_dir()
    )
    assert not ghosts, f"declared but not on disk: {ghosts}"


def _build_requirements_installed() -> bool:
    """Whether this interpreter already has pyproject's build-system requirements."""
    from importlib.metadata import PackageNotFoundError, version

    from packaging.requirements import Requirement

    for text in PYPROJECT["build-system"]["requires"]:
        requirement = Requirement(text)
        try:
            if not requirement.specifier.contains(version(requirement.name), prereleases=True):
                return False
        except PackageNotFoundError:
            return False
    return True


@pytest.mark.slow
def test_wheel_has_only_the_ideko_namespace(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet"]
    if _build_requirements_installed():  # TensorFlow brings them: skip pip's throwaway env
        command.append("--no-build-isolation")
    subprocess.run([*command, "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True)
    (wheel,) = tmp_path.glob("ideko-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.startswith("ideko-")}
    assert tops == {"ideko"}
    assert "ideko/schema/ideko.schema.json" in names, "the schema ships as package data"
    for package in _package_dirs():
        assert package.replace(".", "/") + "/__init__.py" in names
    assert "ideko/runtime/report/templates/report.html.j2" in names
    assert "ideko/runtime/report/templates/tuning.html.j2" in names
    assert "ideko/__init__.py" not in names, "ideko is a namespace package"


def test_the_image_extra_leaves_the_local_engine_out() -> None:
    """`[runtime]` is the image; the local engine's own dependencies come with `[local]`.

    (Keras 3, which TensorFlow installs, still brings rich along; no runtime module imports
    it, as import-linter checks.)
    """
    from packaging.requirements import Requirement

    extras = PYPROJECT["project"]["optional-dependencies"]
    names = {extra: {Requirement(r).name for r in reqs} for extra, reqs in extras.items()}
    local_only = {"cel-python", "rich", "optuna", "scikit-optimize", "cmaes"}
    assert not names["runtime"] & local_only
    assert local_only <= names["local"]
    assert "ideko.local" in SETUPTOOLS["package-dir"]
