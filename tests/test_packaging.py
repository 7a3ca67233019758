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


def test_every_declared_package_exists() -> None:
    ghosts = sorted(set(SETUPTOOLS["packages"]) - set(_package_dirs()))
    assert not ghosts, f"declared but not on disk: {ghosts}"


@pytest.mark.slow
def test_wheel_has_only_the_ideko_namespace(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet"]
    subprocess.run([*command, "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True)
    (wheel,) = tmp_path.glob("ideko-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.startswith("ideko-")}
    assert tops == {"ideko"}
    assert "ideko/schema/ideko.schema.json" in names, "the schema ships as package data"
    for package in SETUPTOOLS["packages"]:
        assert package.replace(".", "/") + "/__init__.py" in names
    assert "ideko/__init__.py" not in names, "ideko is a namespace package"
