"""The committed generated/ tree is what every spec under specs/ compiles to (CI's --check)."""

from __future__ import annotations

from pathlib import Path

import pytest
from ideko.compiler.cli import main

ROOT = Path(__file__).resolve().parents[2]
SPECS = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "specs").glob("*.yaml"))


def test_example_spec_is_checked():
    assert "specs/ideko.yaml" in SPECS


@pytest.mark.parametrize("spec", SPECS)
def test_generated_is_up_to_date(spec, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    status = main([spec, "--check"])
    assert status == 0, capsys.readouterr().out
