"""Every Experiment the builder makes passes Katib's admission rules (ideko.schema.katib_rules).

Runs over the builder output for each Spec factory of build_specs. Each rule's refusal and
the committed golden/generated manifests are tested in tests/schema/test_katib_rules.py;
the compile-time mapping back to the spec in tests/compiler/load/test_spec_hpo_admission.py.
"""

from __future__ import annotations

import build_specs
import pytest
from ideko.compiler.build.katib import build_katib
from ideko.schema.katib_rules import admission_problems


def _factory_manifests() -> list[tuple[str, dict]]:
    return [
        (f"{case}/{model}", manifest)
        for case, factory in build_specs.ALL.items()
        for model, manifest in build_katib(factory()).items()
    ]


def test_every_factory_builds_an_experiment() -> None:
    assert len(_factory_manifests()) >= len(build_specs.ALL)


@pytest.mark.parametrize(
    ("label", "manifest"), _factory_manifests(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_built_manifests_pass_admission(label: str, manifest: dict) -> None:
    assert admission_problems(manifest) == [], label
