"""The shipped spec fuzzer, a CI-sized run: 150 seeded mutations of the golden specs, every
one a valid spec or positioned diagnostics, never a traceback (``bench/fuzz_bench.py`` runs
the same engine over 10,000 cases and also counts the cases over 5 s)."""

from __future__ import annotations

from pathlib import Path

import pytest
import spec_fuzz

SEED = 20261201
CASES = 150
RENDERED = 2  # compiled cases also rendered here (kfp's compile dominates the suite's time)


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> list[spec_fuzz.Result]:
    loading = spec_fuzz.Runner(tmp_path_factory.mktemp("fuzz"), render=False)
    rendering = spec_fuzz.Runner(tmp_path_factory.mktemp("fuzz-render"))
    out = []
    for index, seed_spec, text in spec_fuzz.cases(SEED, CASES):
        result = loading.run(index, seed_spec, text)
        if result.outcome == "compiled" and sum(r.outcome == "compiled" for r in out) < RENDERED:
            result = rendering.run(index, seed_spec, text)
        out.append(result)
    return out


def test_no_mutated_spec_gives_a_traceback(results) -> None:
    bad = [r for r in results if r.outcome == "traceback"]
    assert bad == [], "\n".join(f"case {r.index} ({r.seed_spec}): {r.detail}" for r in bad)


def test_every_refusal_is_a_printable_file_line_col_line(results) -> None:
    bad = [r for r in results if r.outcome == "not_positioned"]
    assert bad == [], "\n".join(f"case {r.index} ({r.seed_spec}): {r.detail}" for r in bad)


def test_the_run_covers_every_golden_spec_and_both_outcomes(results) -> None:
    summary = spec_fuzz.summary(results)
    assert summary["cases"] == CASES and summary["compiled"] >= 1 and summary["invalid"] >= 100
    assert {r.seed_spec for r in results} == {
        p.parent.name if p.name == "spec.yaml" else p.name for p in spec_fuzz.SEEDS
    }


def test_cases_are_reproducible_from_their_seed() -> None:
    first = [text for _, _, text in spec_fuzz.cases(SEED, 20)]
    assert first == [text for _, _, text in spec_fuzz.cases(SEED, 20)]
    assert first != [text for _, _, text in spec_fuzz.cases(SEED + 1, 20)]
    assert all(isinstance(p, Path) for p in spec_fuzz.SEEDS) and len(spec_fuzz.SEEDS) >= 6
