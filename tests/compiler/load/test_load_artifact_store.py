"""runtime.artifact_store: defaults, the typed view, and the endpoint/secret checks."""

from __future__ import annotations

import textwrap

import pytest
from ideko.compiler.load import load_spec
from ideko.compiler.load.semantic_store import endpoint_problem
from ideko.compiler.load.spec_model import ArtifactStore
from spec_texts import MINIMAL

IMAGE_LINE = "  image: ghcr.io/ideko/ideko-runtime:0.1.0\n"


def with_store(body: str) -> str:
    """MINIMAL with ``runtime.artifact_store`` (the store starts on line 6)."""
    store = "  artifact_store:\n" + textwrap.indent(textwrap.dedent(body).strip("\n"), "    ")
    assert IMAGE_LINE in MINIMAL
    return MINIMAL.replace(IMAGE_LINE, IMAGE_LINE + store + "\n")


def load(write, text: str) -> ArtifactStore:
    return load_spec(write(text)).artifact_store


def test_absent_section_is_kubeflows_minio(write) -> None:
    store = load(write, MINIMAL)
    assert store == ArtifactStore(
        endpoint="minio-service.kubeflow:9000",
        secure=False,
        region=None,
        secret="mlpipeline-minio-artifact",
        access_key_field="accesskey",
        secret_key_field="secretkey",
        service_account=None,
    )
    assert store.endpoint_value() == "minio-service.kubeflow:9000"


def test_written_fields_override_defaults_one_by_one(write) -> None:
    store = load(write, with_store("""
        endpoint: minio.storage:9000
        secret: ideko-minio
        secret_key_field: AWS_SECRET_ACCESS_KEY
        region: eu-west-1
    """))
    assert store.endpoint == "minio.storage:9000" and store.secure is False
    assert (store.secret, store.access_key_field, store.secret_key_field) == (
        "ideko-minio", "accesskey", "AWS_SECRET_ACCESS_KEY")
    assert store.region == "eu-west-1" and store.service_account is None


@pytest.mark.parametrize(("endpoint", "secure", "value"), [
    ("https://minio.example.com", None, "https://minio.example.com"),  # scheme implies secure
    ("HTTPS://minio.example.com:9443/", None, "https://minio.example.com:9443"),
    ("http://minio.storage:9000", None, "minio.storage:9000"),  # plain HTTP stays bare
    ("minio.storage:9000", "true", "https://minio.storage:9000"),
    ("minio.storage:9000", "false", "minio.storage:9000"),
    ("[fd00::5]:9000", None, "[fd00::5]:9000"),
])
def test_secure_and_the_endpoint_value(write, endpoint, secure, value) -> None:
    body = f"endpoint: '{endpoint}'" + (f"\nsecure: {secure}" if secure else "")
    store = load(write, with_store(body))
    assert store.endpoint_value() == value
    assert store.secure is value.startswith("https://")


def test_workload_identity_has_no_endpoint_and_no_secret(write) -> None:
    store = load(write, with_store("""
        endpoint: null
        secret: null
        region: us-west-2
        service_account: ideko-trials
    """))
    assert store.endpoint is None and store.endpoint_value() is None
    assert store.secret is None and store.service_account == "ideko-trials"
    assert store.secure is False


@pytest.mark.parametrize(("endpoint", "fragment"), [
    ("s3://minio.storage:9000", "scheme 's3' is not http or https"),
    ("minio://bucket", "scheme 'minio' is not http or https"),
    ("http://minio.storage:9000/mlpipeline", "has a path ('/mlpipeline')"),
    ("minio.storage:9000/mlpipeline", "has a path ('/mlpipeline')"),
    ("http://minio:9000?x=1", "has a path ('?x=1')"),
    ("minio.storage:90000", "Port out of range"),
    ("minio.storage:nine", "is not host:port"),
    ("minio.storage:0", "port 0 is not a port"),
    ("http://user:pw@minio:9000", "must not contain credentials"),
    ("https://", "has no host"),
    (":9000", "has no host"),
])
def test_endpoint_problem(endpoint, fragment) -> None:
    problem = endpoint_problem(endpoint)
    assert problem is not None and fragment in problem


@pytest.mark.parametrize("endpoint", [
    "minio-service.kubeflow:9000", "seaweedfs.kubeflow:8333", "s3.amazonaws.com",
    "https://storage.googleapis.com", "http://10.0.0.7:9000/", "[::1]:9000",
])
def test_good_endpoints(endpoint) -> None:
    assert endpoint_problem(endpoint) is None


def test_bad_endpoint_points_at_its_value(errors_of) -> None:
    assert errors_of(with_store("endpoint: s3://minio.storage:9000")) == [
        "specs/spec.yaml:7:15: runtime.artifact_store.endpoint: endpoint "
        "'s3://minio.storage:9000' scheme 's3' is not http or https; write host:port or an "
        "http(s):// URL (the bucket comes from the artifact URI, not from the endpoint)"
    ]


def test_secure_contradicting_the_scheme(errors_of) -> None:
    assert errors_of(with_store("endpoint: https://minio.example.com\nsecure: false")) == [
        "specs/spec.yaml:8:13: runtime.artifact_store.secure: secure: false contradicts the "
        "https:// endpoint; drop `secure` or change the scheme"
    ]
    (line,) = errors_of(with_store("endpoint: http://minio.example.com\nsecure: true"))
    assert "secure: true contradicts the http:// endpoint" in line


def test_secure_without_endpoint(errors_of) -> None:
    (line,) = errors_of(with_store("endpoint: null\nsecure: true"))
    assert line.startswith("specs/spec.yaml:8:5: runtime.artifact_store.secure: secure only")


def test_key_fields_without_a_secret(write, errors) -> None:
    path = write(with_store("""
        secret: null
        access_key_field: accesskey
        secret_key_field: secretkey
    """))
    assert errors(path) == [
        f"specs/spec.yaml:{line}:5: runtime.artifact_store.{name}: {name} names a key of "
        "`secret`, but secret is null (no static keys); set `secret` or drop this line"
        for line, name in ((8, "access_key_field"), (9, "secret_key_field"))
    ]


@pytest.mark.parametrize(("body", "field", "fragment"), [
    ("secret: Mlpipeline_Minio", "secret", "must be a Kubernetes name"),
    ("access_key_field: access key", "access_key_field", "must be a key of a Kubernetes Secret"),
    ("endpoint: minio storage:9000", "endpoint", "must be host:port or an http(s):// URL"),
    ("region: ''", "region", "must be a region name"),
    ("service_account: Trials", "service_account", "must be a Kubernetes name"),
    ("bucket: mlpipeline", "bucket", "unknown key 'bucket'"),
    ("secure: 'yes'", "secure", "expected a boolean"),
])
def test_schema_rejects(write, errors, body, field, fragment) -> None:
    (line,) = errors(write(with_store(body)))
    assert f": runtime.artifact_store.{field}: " in line and fragment in line, line
