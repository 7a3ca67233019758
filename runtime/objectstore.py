"""Read artifacts by object-store URI (``s3://``, ``minio://``, ``gs://``) without a shared volume.

In a cluster KFP hands a step (and the tune step hands each Katib trial) an artifact's
``uri``; a pod without KFP's FUSE mounts fetches it here. A URI naming one object becomes
a local file, one naming a prefix (a directory artifact) a local directory. Each URI is
downloaded once per process into a private temp directory removed at exit.

Environment a pod (e.g. a Katib trial Job) needs:

- ``s3://`` / ``minio://`` (boto3): the endpoint in ``AWS_ENDPOINT_URL`` or
  ``MINIO_ENDPOINT`` (a bare ``host:port`` is plain HTTP, an ``https://`` URL is TLS;
  required for ``minio://``, optional for AWS S3), ``AWS_ACCESS_KEY_ID`` and
  ``AWS_SECRET_ACCESS_KEY`` unless the pod has its own identity (IRSA), optionally
  ``AWS_REGION``/``AWS_DEFAULT_REGION`` (default ``us-east-1``). ``ideko-compile`` writes
  exactly these into every trial Job from the spec's ``runtime.artifact_store`` (default:
  Kubeflow's MinIO, keys ``accesskey``/``secretkey`` of the ``mlpipeline-minio-artifact``
  secret).
- ``gs://`` (google-cloud-storage): Application Default Credentials, e.g. Workload Identity
  or ``GOOGLE_APPLICATION_CREDENTIALS`` pointing at a key file.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from ideko.runtime.errors import UserError
from ideko.schema import env

SCHEMES = ("s3", "minio", "gs")
S3_ENV_HELP = (
    f"set {env.AWS_ACCESS_KEY_ID} and {env.AWS_SECRET_ACCESS_KEY} and the endpoint in "
    f"{env.AWS_ENDPOINT_URL} or {env.MINIO_ENDPOINT} (Katib trials get them from the spec's "
    "runtime.artifact_store, by default the mlpipeline-minio-artifact secret)"
)
DEFAULT_REGION = "us-east-1"
ENDPOINT_SCHEMES = ("http", "https")
GS_ENV_HELP = "provide Google Application Default Credentials (e.g. GOOGLE_APPLICATION_CREDENTIALS)"

_lock = threading.Lock()
_fetched: dict[str, Path] = {}
_root: Path | None = None


def is_object_uri(value: str) -> bool:
    """True for an ``s3://``, ``minio://`` or ``gs://`` URI."""
    return urlparse(value).scheme in SCHEMES


def split_uri(uri: str) -> tuple[str, str, str]:
    """(scheme, bucket, key) of an object-store URI; a URI without a bucket is an error."""
    parsed = urlparse(uri)
    if parsed.scheme not in SCHEMES:
        raise UserError(f"{uri!r}: not an object-store URI ({', '.join(SCHEMES)})")
    key = unquote(parsed.path).lstrip("/")
    if not parsed.netloc:
        raise UserError(f"{uri!r}: no bucket name")
    return parsed.scheme, parsed.netloc, key


def fetch(uri: str, what: str = "path") -> Path:
    """The local copy of ``uri`` (a file, or a directory for a prefix), downloaded once."""
    with _lock:
        cached = _fetched.get(uri)
        if cached is not None and cached.exists():
            return cached
        scheme, bucket, key = split_uri(uri)
        target = Path(tempfile.mkdtemp(prefix="obj-", dir=_download_root())) / (
            Path(key).name or bucket
        )
        try:
            if scheme == "gs":
                _fetch_gs(bucket, key, target)
            else:
                _fetch_s3(scheme, bucket, key, target)
        except UserError as exc:
            shutil.rmtree(target.parent, ignore_errors=True)
            raise UserError(f"{what} {uri!r}: {exc}") from exc
        _fetched[uri] = target
        return target


def _download_root() -> Path:
    global _root
    if _root is None or not _root.is_dir():
        _root = Path(tempfile.mkdtemp(prefix="ideko-artifacts-"))
        atexit.register(shutil.rmtree, _root, True)
    return _root


def s3_endpoint(scheme: str) -> str | None:
    """The S3 endpoint URL from AWS_ENDPOINT_URL or MINIO_ENDPOINT (bare host:port is http)."""
    variable = env.AWS_ENDPOINT_URL if os.environ.get(env.AWS_ENDPOINT_URL) else env.MINIO_ENDPOINT
    endpoint = os.environ.get(variable, "").strip()
    if not endpoint:
        if scheme == "minio":
            raise UserError(f"minio:// needs an endpoint: {S3_ENV_HELP}")
        return None
    if "://" not in endpoint:
        return f"http://{endpoint}"
    given, _, address = endpoint.partition("://")
    if given.lower() not in ENDPOINT_SCHEMES or not address.strip("/"):
        raise UserError(f"{variable}={endpoint!r} is not host:port or an http(s):// URL")
    return f"{given.lower()}://{address}"


def s3_region() -> str:
    """AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1 (what MinIO answers by default)."""
    return (
        os.environ.get(env.AWS_REGION) or os.environ.get(env.AWS_DEFAULT_REGION) or DEFAULT_REGION
    )


def s3_client(scheme: str) -> Any:
    """A boto3 S3 client for ``s3``/``minio`` URIs, configured from the environment as it is now."""
    try:
        import boto3
    except ImportError as exc:
        raise UserError("reading s3:// or minio:// needs boto3 (pip install boto3)") from exc
    session = boto3.session.Session()  # a fresh one reads the environment as it is now
    return session.client("s3", endpoint_url=s3_endpoint(scheme), region_name=s3_region())


def _fetch_s3(scheme: str, bucket: str, key: str, target: Path) -> None:
    client = s3_client(scheme)
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    try:
        keys = _s3_keys(client, bucket, key)
        for name, relative in keys:
            destination = target / relative if relative else target
            destination.parent.mkdir(parents=True, exist_ok=True)
            client.download_file(bucket, name, str(destination))
    except NoCredentialsError as exc:
        raise UserError(f"no credentials: {S3_ENV_HELP}") from exc
    except ClientError as exc:
        error = exc.response.get("Error", {})
        message = f"{error.get('Code', '?')} {error.get('Message', '')}".strip()
        raise UserError(f"cannot read it ({message}); {S3_ENV_HELP}") from exc
    except BotoCoreError as exc:
        raise UserError(f"cannot read it ({exc}); {S3_ENV_HELP}") from exc


def _s3_keys(client: Any, bucket: str, key: str) -> list[tuple[str, str]]:
    """[(object key, path relative to the target)]: the object itself, else the prefix's."""
    from botocore.exceptions import ClientError

    if key:
        try:
            client.head_object(Bucket=bucket, Key=key)
            return [(key, "")]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchKey", "NotFound"):
                raise
    prefix = f"{key.rstrip('/')}/" if key else ""
    found: list[tuple[str, str]] = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            if not item["Key"].endswith("/"):
                found.append((item["Key"], item["Key"][len(prefix) :]))
    if not found:
        raise UserError("no such object or prefix")
    return found


def _fetch_gs(bucket: str, key: str, target: Path) -> None:
    try:
        from google.auth.exceptions import DefaultCredentialsError
        from google.cloud import storage
        from google.cloud.exceptions import GoogleCloudError
    except ImportError as exc:
        raise UserError("reading gs:// needs google-cloud-storage") from exc
    try:
        client = storage.Client()
        blob = client.bucket(bucket).blob(key) if key else None
        if blob is not None and blob.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            blob.download_to_filename(str(target))
            return
        prefix = f"{key.rstrip('/')}/" if key else ""
        count = 0
        for item in client.list_blobs(bucket, prefix=prefix):
            if item.name.endswith("/"):
                continue
            destination = target / item.name[len(prefix) :]
            destination.parent.mkdir(parents=True, exist_ok=True)
            item.download_to_filename(str(destination))
            count += 1
        if count == 0:
            raise UserError("no such object or prefix")
    except DefaultCredentialsError as exc:
        raise UserError(f"no credentials: {GS_ENV_HELP}") from exc
    except GoogleCloudError as exc:
        raise UserError(f"cannot read it ({exc}); {GS_ENV_HELP}") from exc
