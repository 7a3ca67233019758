"""Bad YAML input gets one clear, positioned diagnostic, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from ideko.compiler.load import SpecNotFoundError, load_spec
from ideko.compiler.load.yaml_doc import MAX_NODES, MAX_SPEC_BYTES
from spec_texts import MINIMAL


def test_malformed_yaml(errors_of) -> None:
    (line,) = errors_of("apiVersion: ideko.dev/v1\nmetadata: {name: x\nruntime: {}\n")
    assert line.startswith("specs/spec.yaml:")
    assert "invalid YAML" in line


def test_tab_indentation_points_at_the_tab(errors_of) -> None:
    assert errors_of("apiVersion: ideko.dev/v1\nmetadata:\n\tname: x\n") == [
        "specs/spec.yaml:3:1: tab character in indentation; YAML indentation must use spaces"
    ]


def test_duplicate_key_points_at_the_duplicate(errors_of) -> None:
    assert errors_of(MINIMAL.replace("  name: tiny\n", "  name: tiny\n  name: other\n")) == [
        "specs/spec.yaml:4:3: duplicate key 'name'; it is already set on line 3 (remove one)"
    ]


def test_empty_file(write, errors) -> None:
    assert errors(write("# only a comment\n")) == [
        "specs/spec.yaml:1:1: file is empty; expected a mapping of settings"
    ]


def test_top_level_list(write, errors) -> None:
    assert errors(write("- a\n- b\n")) == [
        "specs/spec.yaml:1:1: expected a mapping of settings (apiVersion, metadata, ...), "
        "got a list"
    ]


def test_scalar_where_mapping_expected(write, errors) -> None:
    path = write(MINIMAL.replace("runtime:\n  image: ghcr.io/ideko/ideko-runtime:0.1.0\n",
                                 "runtime: ghcr.io/ideko/ideko-runtime:0.1.0\n"))
    assert errors(path) == [
        "specs/spec.yaml:4:10: runtime: expected a mapping, got a string "
        "('ghcr.io/ideko/ideko-runtime:0.1.0')"
    ]


def test_five_megabyte_spec_is_refused_before_it_is_read(write, errors, monkeypatch) -> None:
    path = write(MINIMAL + "# " + "x" * (5 * 1024 * 1024) + "\n")
    real_open = Path.open

    def guarded_open(self: Path, *args, **kwargs):
        assert self.resolve() != path.resolve(), "an oversized spec was opened"
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", guarded_open)
    (line,) = errors(path)  # refused by its size (stat), never read nor parsed
    assert line.startswith("specs/spec.yaml:1:1: file is 5.0 MiB, larger than the 1024 KiB")
    assert MAX_SPEC_BYTES == 1024 * 1024


def test_python_tags_are_refused(errors_of) -> None:
    (line,) = errors_of(MINIMAL.replace("name: tiny", "name: !!python/object:os.system ls"))
    assert line.startswith("specs/spec.yaml:3:9: metadata.name: YAML tag ")
    assert "not allowed" in line


def test_alias_bomb_is_capped(write, errors, monkeypatch) -> None:
    monkeypatch.setattr("ideko.compiler.load.yaml_doc.MAX_NODES", 5000)  # same path, faster test
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, "
              f"*a{i-1}, *a{i-1}, *a{i-1}]" for i in range(1, 9)]
    (line,) = errors(write("\n".join(lines) + "\n"))
    assert "more than 5000 nodes" in line
    assert MAX_NODES == 10_000


def test_invalid_utf8(write, errors, repo) -> None:
    path = write(MINIMAL)
    path.write_bytes(b"apiVersion: ideko.dev/v1\nmetadata:\n  name: \xff\n")
    assert errors(path) == ["specs/spec.yaml:3:9: file is not valid UTF-8 text"]


def test_missing_file_is_a_usage_diagnostic(repo, monkeypatch) -> None:
    monkeypatch.chdir(repo)
    with pytest.raises(SpecNotFoundError) as info:
        load_spec("specs/nope.yaml")
    assert [str(d) for d in info.value.diagnostics] == [
        "specs/nope.yaml:1:1: spec file does not exist"
    ]
    with pytest.raises(SpecNotFoundError):
        load_spec("specs")
