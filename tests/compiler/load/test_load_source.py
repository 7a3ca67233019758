"""The loader finds where a spec lives once: its repository root and its name inside it."""

from __future__ import annotations

from pathlib import Path

from ideko.compiler.load.source import find_repo_root, locate


def test_the_spec_is_named_relative_to_the_repository_root(tmp_path, monkeypatch):
    (tmp_path / "repo" / "specs").mkdir(parents=True)
    (tmp_path / "repo" / "pyproject.toml").write_text("")
    spec = tmp_path / "repo" / "specs" / "a.yaml"
    spec.write_text("x: 1\n")
    monkeypatch.chdir(tmp_path)
    assert locate(spec).in_repo == "specs/a.yaml"
    assert locate(Path("repo/specs/a.yaml")).in_repo == "specs/a.yaml"
    assert locate(Path("repo/specs/a.yaml")).root == (tmp_path / "repo").resolve()
    monkeypatch.chdir(tmp_path / "repo" / "specs")
    assert locate(Path("a.yaml")).in_repo == "specs/a.yaml"
    assert locate(Path("a.yaml")).display == "a.yaml"  # diagnostics keep the path as given


def test_a_spec_outside_the_given_root_is_named_by_its_file_name(tmp_path):
    (tmp_path / "elsewhere").mkdir()
    spec = tmp_path / "elsewhere" / "there.yaml"
    spec.write_text("x: 1\n")
    (tmp_path / "repo").mkdir()
    assert locate(spec, tmp_path / "repo").in_repo == "there.yaml"


def test_without_a_repository_the_spec_folder_is_the_root(tmp_path):
    spec = tmp_path / "lonely.yaml"
    spec.write_text("x: 1\n")
    if find_repo_root(spec) == tmp_path.resolve():  # no pyproject/.git above tmp
        assert locate(spec).in_repo == "lonely.yaml"
