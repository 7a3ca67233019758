"""The ``serving`` section: defaults from the pipeline's name, schema and semantic checks."""

from __future__ import annotations

from ideko.compiler.api import load_spec
from spec_texts import MINIMAL


def test_defaults_serve_the_pipelines_champion(write) -> None:
    spec = load_spec(write(MINIMAL))
    assert spec.serving is not None
    assert (spec.serving.name, spec.serving.model, spec.serving.ref) == ("tiny", "tiny", "champion")
    assert (spec.serving.min_replicas, spec.serving.max_replicas) == (1, 1)
    assert spec.serving.resources.memory_limit == "2Gi"


def test_disabled_serving_has_no_service(write) -> None:
    spec = load_spec(write(MINIMAL + "serving: {enabled: false}\n"))
    assert spec.serving is None


def test_written_fields_are_kept(write) -> None:
    text = MINIMAL + (
        "serving:\n  name: tiny-api\n  model: shared-model\n  ref: '7'\n"
        "  max_replicas: 3\n  resources: {cpu_limit: 2}\n"
    )
    serving = load_spec(write(text)).serving
    assert serving is not None
    assert (serving.name, serving.model, serving.ref, serving.max_replicas) == (
        "tiny-api", "shared-model", "7", 3
    )
    assert serving.resources.cpu_limit == "2" and serving.resources.memory_limit is None


def test_pipeline_name_kserve_cannot_take(errors_of, write) -> None:
    text = MINIMAL.replace("name: tiny", "name: 9tiny")
    assert errors_of(text) == [
        "specs/spec.yaml:3:9: metadata.name: '9tiny' also names the KServe InferenceService "
        "and does not start with a letter; set serving.name or serving.enabled: false"
    ]
    assert load_spec(write(text + "serving: {name: tiny}\n")).serving is not None
    assert load_spec(write(text + "serving: {enabled: false}\n")).serving is None


def test_long_pipeline_name_is_reported(errors_of) -> None:
    name = "a" * 50
    (line,) = errors_of(MINIMAL.replace("name: tiny", f"name: {name}"))
    assert "is 50 characters (KServe allows 47)" in line


def test_replicas_and_resources_are_ordered(errors_of) -> None:
    text = MINIMAL + (
        "serving:\n  min_replicas: 3\n  max_replicas: 2\n"
        "  resources: {cpu_request: '2', cpu_limit: '1'}\n"
    )
    assert errors_of(text) == [
        "specs/spec.yaml:22:17: serving.min_replicas: min_replicas (3) is greater than "
        "max_replicas (2)",
        "specs/spec.yaml:24:28: serving.resources.cpu_request: cpu_request (2) is greater than "
        "cpu_limit (1)",
    ]


def test_schema_rejects_a_bad_reference_and_name(errors_of) -> None:
    errors = errors_of(MINIMAL + "serving: {name: Tiny_API, ref: 'champion@x'}\n")
    assert len(errors) == 2
    assert any("serving.name" in e and "InferenceService name" in e for e in errors)
    assert any("serving.ref" in e and "alias" in e for e in errors)
