"""Object-store artifact URIs: a trial reads ``--train-data s3://…`` from a (moto) S3 server."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from ideko.runtime import objectstore
from ideko.runtime.artifact_uri import local_dir, local_path
from ideko.runtime.errors import UserError

boto3 = pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server")

BUCKET = "mlpipeline"
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "minio",
    "AWS_SECRET_ACCESS_KEY": "minio123",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@pytest.fixture(scope="module")
def endpoint():
    """A moto S3 server on 127.0.0.1 (a free port) with one bucket."""
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    client = boto3.client("s3", endpoint_url=url, region_name="us-east-1", **_keys())
    client.create_bucket(Bucket=BUCKET)
    yield url
    server.stop()


def _keys() -> dict[str, str]:
    return {
        "aws_access_key_id": CREDENTIALS["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    }


@pytest.fixture
def s3(endpoint, monkeypatch):
    """A client for the server, with the pod's environment set for the code under test."""
    for name in ("AWS_ENDPOINT_URL", "MINIO_ENDPOINT", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **_keys())


def test_object_is_fetched_once(s3, tmp_path):
    s3.put_object(Bucket=BUCKET, Key="v2/artifacts/run/once.bin", Body=b"first")
    uri = f"s3://{BUCKET}/v2/artifacts/run/once.bin"
    local = local_path(uri, "--train-data")
    assert local.is_file() and local.read_bytes() == b"first"
    s3.put_object(Bucket=BUCKET, Key="v2/artifacts/run/once.bin", Body=b"second")
    assert local_path(uri, "--train-data") == local  # cached for the process
    assert local.read_bytes() == b"first"


def test_prefix_becomes_directory_and_minio_endpoint_env(s3, endpoint, monkeypatch):
    for name, body in (("model/m.keras", b"k"), ("model/sub/history.json", b"{}")):
        s3.put_object(Bucket=BUCKET, Key=f"run2/{name}", Body=body)
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    monkeypatch.setenv("MINIO_ENDPOINT", endpoint.removeprefix("http://"))  # bare host:port
    folder = objectstore.fetch(f"minio://{BUCKET}/run2/model", "--model")
    assert folder.is_dir()
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert files == ["m.keras", "sub/history.json"]


def test_errors_name_the_uri_and_the_environment(s3, monkeypatch):
    missing = f"s3://{BUCKET}/no/such/key.npz"
    with pytest.raises(UserError, match=r"--train-data 's3://mlpipeline/no/such/key.npz'.*no such"):
        local_path(missing, "--train-data")
    with pytest.raises(UserError, match="no bucket name"):
        objectstore.fetch("s3:///key")
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    with pytest.raises(UserError, match=r"'minio://b/k'.*MINIO_ENDPOINT"):
        objectstore.fetch("minio://b/k", "--train-data")


def test_missing_credentials_is_one_clear_error(endpoint, monkeypatch, tmp_path):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    expected = r"'s3://mlpipeline/x.npz'.*no credentials.*AWS_ACCESS_KEY_ID"
    with pytest.raises(UserError, match=expected):
        objectstore.fetch("s3://mlpipeline/x.npz", "--train-data")


def test_preprocess_reads_raw_tree_from_prefix(s3, tmp_path):
    from ideko.runtime.baseline import data_config
    from ideko.runtime.data.dataset_io import load_dataset
    from ideko.runtime.data.synth import SynthOptions, generate
    from ideko.runtime.steps import preprocess

    raw = tmp_path / "raw"
    generate(raw, SynthOptions(series=9, min_length=10, max_length=12, days=1, seed=1))
    for file in sorted(p for p in raw.rglob("*") if p.is_file()):
        s3.upload_file(str(file), BUCKET, f"datasets/ideko/{file.relative_to(raw).as_posix()}")
    out = tmp_path / "out"
    outputs, meta = preprocess.run(
        data_uri=f"s3://{BUCKET}/datasets/ideko",
        data_config=data_config(["f3"], 2),
        seed=2,
        train_data=str(out / "train"),
        test_data=str(out / "test"),
        metadata=str(out / "meta.json"),
        report=str(out / "report.md"),
    )
    assert outputs["num_series"] == 9 and meta["source"]["uri"] == f"s3://{BUCKET}/datasets/ideko"
    assert len(load_dataset(out / "train")) + len(load_dataset(out / "test")) == 9
    with pytest.raises(UserError, match="is not a directory"):
        local_dir(f"s3://{BUCKET}/datasets/ideko/{file.relative_to(raw).as_posix()}")


def test_unsupported_schemes_stay_clear_errors():
    with pytest.raises(UserError, match="lakeFS data is read as a versioned source"):
        local_dir("lakefs://repo/main/raw")
    with pytest.raises(UserError, match="ftp:// is not readable here"):
        local_path("ftp://host/x.npz")


def test_gs_without_credentials_is_one_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "no-key.json"))
    with pytest.raises(UserError, match=r"'gs://b/x.npz'.*GOOGLE_APPLICATION_CREDENTIALS"):
        objectstore.fetch("gs://b/x.npz", "--train-data")


def _tiny_train_split(folder: Path) -> tuple[Path, Path]:
    from ideko.runtime.baseline import data_config
    from ideko.runtime.data.dataset_io import save_dataset, save_metadata
    from ideko.runtime.data.prepare import prepare
    from ideko.runtime.data.synth import SynthOptions, generate

    options = SynthOptions(series=24, min_length=20, max_length=40, days=2, seed=3)
    generate(folder / "raw", options)
    train, _test, metadata, _report = prepare(folder / "raw", data_config(["f3", "f4"], 2), 2)
    save_dataset(folder / "train.npz", train)
    save_metadata(folder / "metadata.json", metadata)
    return folder / "train.npz", folder / "metadata.json"


@pytest.mark.slow
def test_trial_trains_from_s3_uri(s3, tmp_path, capsys):
    """The train CLI's main in this process (the s3 fixture set the pod's environment): the
    same parser and action as the trial's ``python -m ideko.runtime.steps.train``, without a
    fresh interpreter and TensorFlow import."""
    from ideko.runtime.steps.train import main

    train, metadata = _tiny_train_split(tmp_path)
    prefix = "v2/artifacts/ideko/run-1/preprocess"
    s3.upload_file(str(train), BUCKET, f"{prefix}/train_data")
    s3.upload_file(str(metadata), BUCKET, f"{prefix}/dataset_metadata")
    uri = f"s3://{BUCKET}/{prefix}/train_data"
    config = {
        "name": "dense-model",  # the cheapest model to trace: the reading is under test
        "architecture": "dense",
        "name_parameters": {"folder_name": "dense", "model_name": "model_dense.keras"},
        "model_parameters": {"activation_function": "relu", "units": [4]},
        "training_parameters": {"epochs": 1, "batch_size": 8},
    }
    out = tmp_path / "model"
    capsys.readouterr()
    code = main(["--model-config", json.dumps(config), "--train-data", uri, "--seed", "1",
                 "--output", str(out)])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.out.splitlines()[-1].startswith("validation_accuracy=")
    assert (out / "model_dense.keras").is_file()
    lineage = json.loads((out / "history.json").read_text(encoding="utf-8"))["lineage"]
    assert lineage["train_data"] == uri
    assert lineage["train_data_sha256"] == hashlib.sha256(train.read_bytes()).hexdigest()
