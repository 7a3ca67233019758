"""Pinned images and cluster-readable data locations."""

import pytest
from ideko.cluster.references import image_problem, location_kind


@pytest.mark.parametrize(
    "image, problem",
    [
        ("ghcr.io/ideko/ideko-runtime:0.1.0", None),
        ("localhost:5000/ideko-runtime:1", None),
        ("ghcr.io/ideko/ideko-runtime@sha256:" + "a" * 64, None),
        ("ghcr.io/ideko/ideko-runtime:0.1.0@sha256:" + "b" * 64, None),
        ("ghcr.io/ideko/ideko-runtime:latest", "the floating tag 'latest'"),
        ("ghcr.io/ideko/ideko-runtime", "no tag (pulls 'latest')"),
        ("localhost:5000/ideko-runtime", "no tag (pulls 'latest')"),
        ("ideko-runtime@md5:abc", "a malformed digest"),
    ],
)
def test_image_pinning(image, problem):
    assert image_problem(image) == problem


@pytest.mark.parametrize(
    "uri, kind",
    [
        ("s3://mlpipeline/ideko/raw", "readable"),
        ("minio://mlpipeline/raw", "readable"),
        ("gs://bucket/raw", "readable"),
        ("lakefs://ideko-data/main/raw", "readable"),
        ("data/synthetic", "local"),
        ("/mnt/data", "local"),
        ("file:///mnt/data", "local"),
        ("C:\\data", "local"),
        ("dvc://repo/data", "unknown"),
        ("https://example.com/data.zip", "unknown"),
    ],
)
def test_location_kind(uri, kind):
    assert location_kind(uri) == kind
