"""Mangled specs never escape as Python tracebacks: only SpecError (or a valid Spec)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from ideko.compiler.load import SpecError, load_spec
from ideko.compiler.load.yaml_doc import MAX_DEPTH

REPO = Path(__file__).resolve().parents[3]
JUNK = ["null", "[]", "{}", "5", "-1", "0", "'x'", "true", "[1, a]", "{a: 1}", "1e400",
        ".nan", "~", "include", "!!int x", "2024-01-01", "{include: 3}"]


def _mutate(lines: list[str], rng: random.Random) -> list[str]:
    lines = list(lines)
    for _ in range(rng.randint(1, 3)):
        j = rng.randrange(len(lines))
        op = rng.random()
        if op < 0.3:
            del lines[j]
        elif op < 0.8 and ":" in lines[j]:
            lines[j] = lines[j].partition(":")[0] + ": " + rng.choice(JUNK)
        else:
            lines.insert(j, lines[rng.randrange(len(lines))])
    return lines


@pytest.mark.parametrize("seed", range(4))
def test_mutated_example_spec_never_crashes(seed: int, write) -> None:
    rng = random.Random(seed)
    base = (REPO / "specs" / "ideko.yaml").read_text().splitlines()
    for _ in range(10):
        path = write("\n".join(_mutate(base, rng)) + "\n")
        try:
            load_spec(path)
        except SpecError as exc:
            assert exc.diagnostics, "a SpecError always carries diagnostics"


def test_constructor_errors_are_positioned_diagnostics(write, errors) -> None:
    (line,) = errors(write("a: !!int x\n"))
    assert line == ("specs/spec.yaml:1:4: a: 'x' is not a valid int for the YAML tag '!!int'; "
                    "remove the tag or fix the value")


def test_deep_nesting_is_refused(write, errors) -> None:
    depth = MAX_DEPTH + 5
    (line,) = errors(write("a: " + "[" * depth + "]" * depth + "\n"))
    assert line.endswith(f"nested more than {MAX_DEPTH} levels deep; too deep for a spec")
