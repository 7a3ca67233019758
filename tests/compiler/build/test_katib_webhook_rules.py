"""Every generated Katib Experiment passes Katib's admission-webhook rules (katib_rules.py).

Runs over the builder output for each Spec factory and over every committed manifest
(tests/golden/*/expected/**/katib/*.yaml and generated/**/katib/*.yaml), and checks that each
rule actually rejects a manifest that breaks it.
"""

from __future__ import annotations

import copy
from pathlib import Path

import build_specs
import katib_rules
import pytest
import yaml
from ideko.compiler.build.katib import build_katib

ROOT = Path(__file__).resolve().parents[3]


def _committed_manifests() -> list[Path]:
    paths = [
        *ROOT.glob("generated/*/katib/*.yaml"),
        *ROOT.glob("tests/golden/*/expected/*/katib/*.yaml"),
    ]
    return sorted(p for p in paths if p.name != "rbac.yaml")


def _factory_manifests() -> list[tuple[str, dict]]:
    return [
        (f"{case}/{model}", manifest)
        for case, factory in build_specs.ALL.items()
        for model, manifest in build_katib(factory()).items()
    ]


@pytest.mark.parametrize(
    ("label", "manifest"), _factory_manifests(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_built_manifests_pass_webhook_rules(label, manifest):
    assert katib_rules.violations(manifest) == []


def test_committed_manifests_pass_webhook_rules():
    paths = _committed_manifests()
    for path in paths:
        manifest = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert katib_rules.violations(manifest) == [], path


def _lstm() -> dict:
    return build_katib(build_specs.full())["lstm"]


def _job_args(manifest: dict) -> list:
    spec = manifest["spec"]["trialTemplate"]["trialSpec"]["spec"]["template"]["spec"]
    return spec["containers"][0]["args"]


BREAKAGES = {
    "grid without step": (
        lambda m: m["spec"]["algorithm"].update(algorithmName="grid"),
        "grid needs a step",
    ),
    "unknown algorithm": (
        lambda m: m["spec"]["algorithm"].update(algorithmName="hillclimb"),
        "algorithm",
    ),
    "bad name": (lambda m: m["metadata"].update(name="Bad_Name"), "name"),
    "long name": (lambda m: m["metadata"].update(name="a" * 41), "longer"),
    "objective type": (lambda m: m["spec"]["objective"].update(type="best"), "objective.type"),
    "no max trials": (lambda m: m["spec"].update(maxTrialCount=0), "maxTrialCount"),
    "parallel > max": (lambda m: m["spec"].update(parallelTrialCount=99), "parallelTrialCount"),
    "failed > max": (lambda m: m["spec"].update(maxFailedTrialCount=99), "maxFailedTrialCount"),
    "no parameters": (lambda m: m["spec"].update(parameters=[]), "parameters"),
    "min >= max": (
        lambda m: m["spec"]["parameters"][0]["feasibleSpace"].update(min="1", max="1"),
        "min must be",
    ),
    "zero step": (lambda m: m["spec"]["parameters"][1]["feasibleSpace"].update(step="0"), "step"),
    "empty list": (lambda m: m["spec"]["parameters"][2]["feasibleSpace"].update(list=[]), "list"),
    "numeric space": (
        lambda m: m["spec"]["parameters"][1]["feasibleSpace"].update(min=16),
        "string",
    ),
    "undeclared use": (lambda m: _job_args(m).append("${trialParameters.nope}"), "not declared"),
    "unused declared": (lambda m: _job_args(m).__setitem__(slice(None), []), "not used"),
    "bad reference": (
        lambda m: m["spec"]["trialTemplate"]["trialParameters"][0].update(reference="x"),
        "reference",
    ),
    "duplicate trial param": (
        lambda m: m["spec"]["trialTemplate"]["trialParameters"].append(
            dict(m["spec"]["trialTemplate"]["trialParameters"][0])
        ),
        "unique",
    ),
    "primary container": (
        lambda m: m["spec"]["trialTemplate"].update(primaryContainerName="main"),
        "primaryContainerName",
    ),
    "no success condition": (
        lambda m: m["spec"]["trialTemplate"].pop("successCondition"),
        "successCondition",
    ),
    "collector": (
        lambda m: m["spec"]["metricsCollectorSpec"]["collector"].update(kind="Stdout"),
        "collector",
    ),
    "objective in additional": (
        lambda m: m["spec"]["objective"]["additionalMetricNames"].append("score"),
        "additionalMetricNames",
    ),
}


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_each_rule_rejects_a_broken_manifest(breakage):
    manifest = copy.deepcopy(_lstm())
    mutate, expected = BREAKAGES[breakage]
    mutate(manifest)
    found = katib_rules.violations(manifest)
    assert any(expected in v for v in found), found
