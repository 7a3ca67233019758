"""How the object-store reader turns a pod's environment into an S3 endpoint and region."""

from __future__ import annotations

import pytest
from ideko.runtime import objectstore
from ideko.runtime.errors import UserError

VARIABLES = ("AWS_ENDPOINT_URL", "MINIO_ENDPOINT", "AWS_REGION", "AWS_DEFAULT_REGION")


@pytest.fixture
def env(monkeypatch):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)

    def set_env(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)

    return set_env


@pytest.mark.parametrize(("value", "url"), [
    ("minio-service.kubeflow:9000", "http://minio-service.kubeflow:9000"),  # bare is HTTP
    ("https://minio.storage:9443", "https://minio.storage:9443"),
    ("HTTPS://minio.storage:9443", "https://minio.storage:9443"),
    ("http://10.0.0.7:9000", "http://10.0.0.7:9000"),
    (" seaweedfs.kubeflow:8333 ", "http://seaweedfs.kubeflow:8333"),
])
def test_minio_endpoint(env, value, url):
    env(MINIO_ENDPOINT=value)
    assert objectstore.s3_endpoint("minio") == url
    assert objectstore.s3_endpoint("s3") == url


def test_aws_endpoint_url_wins_over_minio_endpoint(env):
    env(MINIO_ENDPOINT="minio-service.kubeflow:9000", AWS_ENDPOINT_URL="https://s3.example.com")
    assert objectstore.s3_endpoint("s3") == "https://s3.example.com"


def test_no_endpoint_is_the_providers_for_s3_only(env):
    assert objectstore.s3_endpoint("s3") is None
    with pytest.raises(UserError, match=r"minio:// needs an endpoint.*runtime\.artifact_store"):
        objectstore.s3_endpoint("minio")


@pytest.mark.parametrize("value", ["s3://minio:9000", "ftp://minio:9000", "https://"])
def test_unusable_endpoint_is_a_clear_error(env, value):
    env(MINIO_ENDPOINT=value)
    with pytest.raises(UserError, match=r"MINIO_ENDPOINT=.* is not host:port or an http\(s\)://"):
        objectstore.s3_endpoint("s3")


def test_region(env):
    assert objectstore.s3_region() == "us-east-1"
    env(AWS_DEFAULT_REGION="eu-central-1")
    assert objectstore.s3_region() == "eu-central-1"
    env(AWS_REGION="eu-west-1")  # what ideko-compile writes wins over the image's default
    assert objectstore.s3_region() == "eu-west-1"


def test_client_is_built_from_the_environment(env):
    pytest.importorskip("boto3")
    env(MINIO_ENDPOINT="https://minio.storage:9443", AWS_REGION="eu-west-1")
    client = objectstore.s3_client("minio")
    assert client.meta.endpoint_url == "https://minio.storage:9443"
    assert client.meta.region_name == "eu-west-1"
