"""The trial env the compiler writes is exactly what ideko.runtime.objectstore reads.

The compiler never imports the runtime, so this contract lives in a test: the env of a built
trial Job is resolved the way the kubelet would (secret references from a fake Secret), put
into the process environment, and the runtime's S3 client (and a real read from a moto S3
server) must use the endpoint, scheme, region and keys the spec declared.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import build_specs
import pytest
from ideko.compiler.build.katib import build_katib
from ideko.compiler.load.spec_model import ArtifactStore

objectstore = pytest.importorskip("ideko.runtime.objectstore")
boto3 = pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server")

# Everything a trial pod's environment could carry that would change what the runtime reads.
POD_VARIABLES = (
    "AWS_ENDPOINT_URL", "MINIO_ENDPOINT", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE",
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
)


def trial_env(store: ArtifactStore) -> list[dict[str, Any]]:
    spec = replace(build_specs.full(), artifact_store=store)
    job = build_katib(spec)["lstm"]["spec"]["trialTemplate"]["trialSpec"]
    (container,) = job["spec"]["template"]["spec"]["containers"]
    return container.get("env", [])


def resolve(env: list[dict[str, Any]], secrets: dict[str, dict[str, str]]) -> dict[str, str]:
    """What the kubelet puts in the container: literal values and (optional) secret keys."""
    out = {}
    for entry in env:
        if "value" in entry:
            out[entry["name"]] = entry["value"]
            continue
        ref = entry["valueFrom"]["secretKeyRef"]
        value = secrets.get(ref["name"], {}).get(ref["key"])
        if value is None and not ref.get("optional"):
            raise AssertionError(f"the pod would not start: {ref}")
        if value is not None:
            out[entry["name"]] = value
    return out


@pytest.fixture
def pod_env(monkeypatch, tmp_path):
    """Install a resolved trial env as the whole S3-relevant environment of this process."""
    for name in POD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")

    def install(store: ArtifactStore, secrets: dict[str, dict[str, str]]) -> dict[str, str]:
        env = resolve(trial_env(store), secrets)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return env

    return install


@pytest.mark.parametrize(("store", "scheme", "endpoint", "region"), [
    (ArtifactStore(), "minio", "http://minio-service.kubeflow:9000", "us-east-1"),
    (ArtifactStore(endpoint="seaweedfs.kubeflow:8333"), "s3", "http://seaweedfs.kubeflow:8333",
     "us-east-1"),
    (ArtifactStore(endpoint="minio.storage:9443", secure=True, region="eu-west-1"), "minio",
     "https://minio.storage:9443", "eu-west-1"),
    (ArtifactStore(endpoint="https://minio.example.com", secure=True), "s3",
     "https://minio.example.com", "us-east-1"),
    (ArtifactStore(endpoint=None, secret=None, region="us-west-2"), "s3",
     "https://s3.us-west-2.amazonaws.com", "us-west-2"),
])
def test_runtime_client_uses_the_declared_store(pod_env, store, scheme, endpoint, region):
    pod_env(store, {})
    client = objectstore.s3_client(scheme)
    assert client.meta.endpoint_url == endpoint
    assert client.meta.region_name == region


def test_secret_keys_reach_the_runtime_under_the_declared_names(pod_env):
    store = ArtifactStore(secret="ideko-minio", access_key_field="id", secret_key_field="key")
    env = pod_env(store, {"ideko-minio": {"id": "AKIA-TRIAL", "key": "s3cr3t"}})
    assert env["AWS_ACCESS_KEY_ID"] == "AKIA-TRIAL"
    credentials = objectstore.s3_client("minio")._request_signer._credentials
    assert (credentials.access_key, credentials.secret_key) == ("AKIA-TRIAL", "s3cr3t")


def test_no_static_keys_means_none_in_the_pod(pod_env):
    env = pod_env(ArtifactStore(endpoint=None, secret=None), {"mlpipeline-minio-artifact": {
        "accesskey": "minio", "secretkey": "minio123"}})
    assert env == {}
    with pytest.raises(objectstore.UserError, match="minio:// needs an endpoint"):
        objectstore.s3_client("minio")


@pytest.fixture(scope="module")
def moto_endpoint():
    """A moto S3 server on 127.0.0.1 (a free port) with one bucket holding one object."""
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    client = boto3.client("s3", endpoint_url=f"http://{host}:{port}", region_name="us-east-1",
                          aws_access_key_id="k", aws_secret_access_key="s")
    client.create_bucket(Bucket="artifacts")
    client.put_object(Bucket="artifacts", Key="run/preprocess/train_data", Body=b"npz bytes")
    yield f"{host}:{port}"
    server.stop()


def test_trial_reads_the_dataset_uri_from_a_non_default_store(pod_env, moto_endpoint):
    store = ArtifactStore(endpoint=f"http://{moto_endpoint}", secret="store-keys",
                          access_key_field="user", secret_key_field="password")
    env = pod_env(store, {"store-keys": {"user": "minio", "password": "minio123"}})
    assert env["MINIO_ENDPOINT"] == moto_endpoint  # plain HTTP is written bare
    local = objectstore.fetch("minio://artifacts/run/preprocess/train_data", "--train-data")
    assert local.read_bytes() == b"npz bytes"
