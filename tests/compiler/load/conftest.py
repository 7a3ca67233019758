"""Fixtures for the spec loader tests: tiny specs written into a throwaway repository."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from ideko.compiler.load import SpecError, load_spec


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A throwaway repository root (holds pyproject.toml) with a specs/ folder."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (tmp_path / "specs").mkdir()
    return tmp_path


@pytest.fixture
def write(repo: Path) -> Callable[..., Path]:
    """Write dedented YAML text to repo/<name> and return the path."""

    def _write(text: str, name: str = "specs/spec.yaml") -> Path:
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
        return path

    return _write


@pytest.fixture
def errors(repo: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[Path], list[str]]:
    """Load a spec (cwd = repo, path relative) and return its diagnostics as lines."""
    monkeypatch.chdir(repo)

    def _errors(path: Path) -> list[str]:
        with pytest.raises(SpecError) as info:
            load_spec(path.relative_to(repo))
        return [str(d) for d in info.value.diagnostics]

    return _errors


@pytest.fixture
def errors_of(
    write: Callable[..., Path], errors: Callable[[Path], list[str]]
) -> Callable[..., list[str]]:
    """The diagnostics of spec ``text``, written to repo/<name> and loaded from the repo."""

    def _errors_of(text: str, name: str = "specs/spec.yaml") -> list[str]:
        return errors(write(text, name))

    return _errors_of
