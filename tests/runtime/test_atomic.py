"""ideko.runtime.atomic: complete output or none, umask-respecting modes."""

from __future__ import annotations

import json
import os
import stat

import pytest
from ideko.runtime.atomic import (
    atomic_directory,
    current_umask,
    dir_mode,
    file_mode,
    write_bytes,
    write_json,
    write_text,
)


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_umask_read_without_changing_it():
    old = os.umask(0o027)
    try:
        assert current_umask() == 0o027
        assert file_mode() == 0o640 and dir_mode() == 0o750
        assert os.umask(0o027) == 0o027  # still what we set
    finally:
        os.umask(old)


def test_writes_replace_whole_file_with_public_mode(tmp_path):
    target = tmp_path / "sub" / "a.json"
    write_json(target, {"b": 1, "a": [1.5]})
    assert target.read_text(encoding="utf-8") == '{\n  "a": [\n    1.5\n  ],\n  "b": 1\n}\n'
    assert _mode(target) == file_mode()
    write_text(target, "x")
    assert target.read_text(encoding="utf-8") == "x"
    write_bytes(target, b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"
    assert [p.name for p in target.parent.iterdir()] == ["a.json"]  # no temp files left


def test_failed_write_leaves_old_content(tmp_path):
    target = tmp_path / "a.json"
    write_json(target, {"ok": True})
    with pytest.raises(ValueError):
        write_json(target, {"bad": float("nan")})  # allow_nan=False by default
    assert json.loads(target.read_text(encoding="utf-8")) == {"ok": True}
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]
    write_json(target, {"nan": float("nan")}, allow_nan=True, default=str)
    assert "NaN" in target.read_text(encoding="utf-8")


def test_atomic_directory_replaces_or_keeps(tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    (target / "stale.txt").write_text("old")
    with atomic_directory(target) as staging:
        write_text(staging / "new.txt", "new")
        assert not (target / "new.txt").exists()
    assert sorted(p.name for p in target.iterdir()) == ["new.txt"]
    assert _mode(target) == dir_mode()
    with pytest.raises(RuntimeError), atomic_directory(target) as staging:
        write_text(staging / "half.txt", "x")
        raise RuntimeError("boom")
    assert sorted(p.name for p in target.iterdir()) == ["new.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
