"""Trial Jobs reach the store of runtime.artifact_store, with env the runtime really reads."""

from __future__ import annotations

import json
from dataclasses import replace
from types import SimpleNamespace

import build_specs
import pytest
from ideko.compiler.build.katib import artifact_store_env, build_katib
from ideko.compiler.load.spec_model import ArtifactStore
from ideko.schema.katib_rules import admission_problems
from kubeflow_katib_api.models import V1beta1Experiment

KUBEFLOW_DEFAULT_ENV = [
    {"name": "MINIO_ENDPOINT", "value": "minio-service.kubeflow:9000"},
    {"name": "AWS_ACCESS_KEY_ID", "valueFrom": {"secretKeyRef": {
        "name": "mlpipeline-minio-artifact", "key": "accesskey", "optional": True}}},
    {"name": "AWS_SECRET_ACCESS_KEY", "valueFrom": {"secretKeyRef": {
        "name": "mlpipeline-minio-artifact", "key": "secretkey", "optional": True}}},
]
TLS_MINIO = ArtifactStore(
    endpoint="minio.storage:9443",
    secure=True,
    region="eu-west-1",
    secret="ideko-minio",
    access_key_field="AWS_ACCESS_KEY_ID",
    secret_key_field="AWS_SECRET_ACCESS_KEY",
)
IRSA = ArtifactStore(endpoint=None, region="us-west-2", secret=None, service_account="trials")


def _pod(store: ArtifactStore) -> dict:
    spec = replace(build_specs.full(), artifact_store=store)
    job = build_katib(spec)["lstm"]["spec"]["trialTemplate"]["trialSpec"]
    return job["spec"]["template"]["spec"]


def test_default_store_is_kubeflows_minio_exactly():
    assert artifact_store_env(ArtifactStore()) == KUBEFLOW_DEFAULT_ENV
    (container,) = _pod(ArtifactStore())["containers"]
    assert container["env"] == KUBEFLOW_DEFAULT_ENV
    assert "serviceAccountName" not in _pod(ArtifactStore())


def test_tls_store_with_its_own_secret_and_region():
    env = {e["name"]: e for e in artifact_store_env(TLS_MINIO)}
    assert list(env) == [
        "MINIO_ENDPOINT", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]
    assert env["MINIO_ENDPOINT"]["value"] == "https://minio.storage:9443"
    assert env["AWS_REGION"]["value"] == "eu-west-1"
    assert env["AWS_ACCESS_KEY_ID"]["valueFrom"]["secretKeyRef"] == {
        "name": "ideko-minio", "key": "AWS_ACCESS_KEY_ID", "optional": True}
    assert env["AWS_SECRET_ACCESS_KEY"]["valueFrom"]["secretKeyRef"]["key"] == (
        "AWS_SECRET_ACCESS_KEY")


def test_workload_identity_has_no_keys_and_runs_as_its_service_account():
    assert artifact_store_env(IRSA) == [{"name": "AWS_REGION", "value": "us-west-2"}]
    pod = _pod(IRSA)
    assert pod["serviceAccountName"] == "trials"
    assert list(pod) == ["restartPolicy", "serviceAccountName", "containers"]
    bare = replace(IRSA, region=None)
    (container,) = _pod(bare)["containers"]
    assert "env" not in container  # nothing to set: no empty `env: []` in the manifest


@pytest.mark.parametrize("store", [ArtifactStore(), TLS_MINIO, IRSA])
def test_manifest_stays_valid_for_katib_and_kubernetes(store):
    from kubernetes.client import ApiClient

    spec = replace(build_specs.full(), artifact_store=store)
    manifest = build_katib(spec)["lstm"]
    assert admission_problems(manifest) == []
    assert V1beta1Experiment.from_dict(manifest) is not None
    # The trial Job through the Kubernetes models: a misspelt field would be dropped.
    job = manifest["spec"]["trialTemplate"]["trialSpec"]
    client = ApiClient()
    model = client.deserialize(SimpleNamespace(data=json.dumps(job)), "V1Job")
    assert client.sanitize_for_serialization(model) == job
