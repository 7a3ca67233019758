"""registry: and conditions.promotion.margin: defaults, the typed view, and the checks that a
URI fits its backend, reported at the value's file:line:col."""

from __future__ import annotations

from ideko.compiler.load import load_spec
from spec_texts import MINIMAL


def with_registry(body: str) -> str:
    return MINIMAL.rstrip("\n") + "\nregistry:\n" + body


def test_defaults_are_the_embedded_mlflow_registry(write) -> None:
    spec = load_spec(write(MINIMAL))
    assert (spec.registry.uri, spec.registry.backend) == ("registry", "mlflow")
    assert spec.registry.tracks and spec.registered_model_name == spec.metadata.name
    assert spec.registry_config()["backend"] == "mlflow"
    assert len(spec.registry_config()["spec"]["sha256"]) == 64


def test_kubeflow_backend_and_model_name(write) -> None:
    text = with_registry("  backend: kubeflow\n  uri: http://mr.kubeflow:8080\n"
                         "  model_name: ideko-anomaly\n")  # fmt: skip
    spec = load_spec(write(text))
    assert spec.registered_model_name == "ideko-anomaly" and not spec.registry.tracks


def test_uri_that_no_backend_opens_points_at_its_value(errors_of) -> None:
    text = with_registry("  uri: s3://models\n")
    (line,) = errors_of(text)
    row = len(text.splitlines())
    assert line.startswith(f"specs/spec.yaml:{row}:8: registry.uri: 's3://models' scheme 's3'")
    text = with_registry("  backend: kubeflow\n  uri: registry\n  tracking: true\n")
    problems = errors_of(text)
    assert any("registry.uri: 'registry' the Kubeflow Model Registry" in p for p in problems)
    assert any("registry.tracking: the Kubeflow Model Registry tracks no runs" in p
               for p in problems)  # fmt: skip
