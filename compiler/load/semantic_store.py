"""Semantic checks of ``runtime.artifact_store``: an endpoint a trial's S3 client can use.

The schema only knows the endpoint is a string without spaces; whether it is ``host:port``
or an ``http(s)://`` URL without a path, and whether ``secure`` agrees with its scheme, is
checked here, so a typo surfaces at compile time and not as a failed trial on the cluster.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

from ideko.compiler.load.check_context import CheckContext
from ideko.compiler.load.diagnostics import Diagnostic
from ideko.compiler.load.spec_model import Spec

STORE = ("runtime", "artifact_store")
URL_SCHEMES = ("http", "https")


def endpoint_problem(endpoint: str) -> str | None:
    """Why ``endpoint`` is not ``host[:port]`` or ``http(s)://host[:port]``, else None."""
    scheme, sep, _ = endpoint.partition("://")
    if sep and scheme.lower() not in URL_SCHEMES:
        return (f"scheme '{scheme}' is not http or https; write host:port or an http(s):// URL "
                "(the bucket comes from the artifact URI, not from the endpoint)")
    try:
        parts = urlsplit(endpoint if sep else f"//{endpoint}")
        port = parts.port
    except ValueError as exc:
        return f"is not host:port or an http(s):// URL ({exc})"
    if parts.username is not None or parts.password is not None:
        return "must not contain credentials; name the Kubernetes secret in `secret` instead"
    if not parts.hostname:
        return "has no host; write host:port, e.g. minio-service.kubeflow:9000"
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        rest = endpoint[endpoint.index(parts.netloc) + len(parts.netloc):]
        return (f"has a path ('{rest}'); an S3 endpoint is only host:port, the bucket and key "
                "come from the artifact URI")
    if port == 0:
        return "port 0 is not a port; use e.g. 9000"
    return None


def check_artifact_store(spec: Spec, ctx: CheckContext) -> Iterator[Diagnostic]:
    """The endpoint is usable, ``secure`` agrees with it, key fields have a secret to read."""
    store = spec.artifact_store
    if store.endpoint is not None:
        problem = endpoint_problem(store.endpoint)
        if problem is not None:
            yield ctx.at((*STORE, "endpoint"), f"endpoint '{store.endpoint}' {problem}")
        scheme, sep, _ = store.endpoint.partition("://")
        https = scheme.lower() == "https"
        if sep and problem is None and ctx.written((*STORE, "secure")) and store.secure != https:
            yield ctx.at((*STORE, "secure"), f"secure: {str(store.secure).lower()} contradicts "
                         f"the {scheme}:// endpoint; drop `secure` or change the scheme")
    elif ctx.written((*STORE, "secure")):
        yield ctx.at((*STORE, "secure"), "secure only applies to an `endpoint`; without one the "
                     "provider's own HTTPS endpoint is used", at_key=True)
    if store.secret is None:
        for name in ("access_key_field", "secret_key_field"):
            if ctx.written((*STORE, name)):
                yield ctx.at((*STORE, name), f"{name} names a key of `secret`, but secret is "
                             "null (no static keys); set `secret` or drop this line", at_key=True)
