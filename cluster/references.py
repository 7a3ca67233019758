"""Whether an image reference and a data location are ones a cluster can use reproducibly.

A pod pulls ``image`` by name: without a digest or a tag other than ``latest`` two runs may
get different code. A step reads ``data_uri`` from inside its pod: a path on the submitting
machine does not exist there, an object-store or lakeFS URI does.
"""

from __future__ import annotations

from urllib.parse import urlparse

from ideko.runtime.objectstore import SCHEMES as OBJECT_STORE_SCHEMES

# The data location of a spec's ``data.source.lakefs`` (compiler/load/spec_model.py writes
# ``lakefs://<repository>/<ref>/<path>`` as the pipeline's data_uri default).
LAKEFS_SCHEME = "lakefs"
CLUSTER_READABLE_SCHEMES = (*OBJECT_STORE_SCHEMES, LAKEFS_SCHEME)
FLOATING_TAG = "latest"


def image_problem(image: str) -> str | None:
    """Why ``image`` is not pinned (None when it has a digest or a non-``latest`` tag)."""
    if "@" in image:
        digest = image.split("@", 1)[1]
        return None if digest.startswith("sha256:") and len(digest) > 7 else "a malformed digest"
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return f"no tag (pulls '{FLOATING_TAG}')"
    tag = last.rsplit(":", 1)[1]
    return f"the floating tag '{tag}'" if tag == FLOATING_TAG else None


def location_kind(uri: str) -> str:
    """``readable`` (a scheme the cluster's steps read), ``local`` (a path on this machine,
    or ``file://``) or ``unknown`` (a scheme ideko does not know: maybe a newer source)."""
    scheme = urlparse(uri).scheme.lower()
    if scheme in CLUSTER_READABLE_SCHEMES:
        return "readable"
    if not scheme or scheme == "file" or len(scheme) == 1:  # len 1: a Windows drive letter
        return "local"
    return "unknown"
