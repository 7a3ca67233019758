"""Golden invalid specs: tests/golden/errors/<case>/spec.yaml must yield expected.txt exactly.

Regenerate with ``UPDATE_GOLDEN=1 pytest tests/compiler/load`` and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from ideko.compiler.load import SpecError, load_spec

REPO = Path(__file__).resolve().parents[3]
CASES = REPO / "tests" / "golden" / "errors"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def _cases() -> list[str]:
    return sorted(p.name for p in CASES.iterdir() if (p / "spec.yaml").exists())


def test_there_are_enough_cases() -> None:
    assert len(_cases()) >= 10


@pytest.mark.parametrize("case", _cases())
def test_golden_error_case(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    spec = Path("tests/golden/errors") / case / "spec.yaml"
    with pytest.raises(SpecError) as info:
        load_spec(spec)
    actual = "\n".join(map(str, info.value.diagnostics)) + "\n"
    expected_file = CASES / case / "expected.txt"
    if UPDATE:
        expected_file.write_text(actual)
    assert expected_file.exists(), f"run UPDATE_GOLDEN=1 to create {expected_file}"
    assert actual == expected_file.read_text()
