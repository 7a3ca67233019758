"""How ``ideko submit`` authenticates to the KFP API, in kfp's own terms.

In order: a bearer token in ``KF_PIPELINES_TOKEN`` (kfp's ``existing_token``, e.g. from
``gcloud auth print-identity-token`` or a Dex/OIDC login), a session cookie in
``KF_PIPELINES_COOKIE`` (kfp's ``cookies``: multi-user Kubeflow behind oauth2-proxy/Dex,
``authservice_session=...``), the projected service-account token a Kubeflow pod gets
(kfp's ``ServiceAccountTokenVolumeCredentials``; path from ``KF_PIPELINES_SA_TOKEN_PATH``),
else kfp's defaults (``~/.config/kfp/context.json``, kubeconfig). Secrets are handed to
the client only: ``KfpAuth`` prints as the source's name, never its value.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TOKEN_ENV = "KF_PIPELINES_TOKEN"
COOKIE_ENV = "KF_PIPELINES_COOKIE"


@dataclass(frozen=True)
class KfpAuth:
    """``source`` names where the credential came from; the secret is not in its repr."""

    source: str
    existing_token: str | None = field(default=None, repr=False)
    cookies: str | None = field(default=None, repr=False)
    token_path: str | None = None

    def client_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of ``kfp.Client`` for this credential."""
        if self.existing_token:
            return {"existing_token": self.existing_token}
        if self.cookies:
            return {"cookies": self.cookies}
        if self.token_path:
            from kfp.client.set_volume_credentials import ServiceAccountTokenVolumeCredentials

            return {"credentials": ServiceAccountTokenVolumeCredentials(path=self.token_path)}
        return {}


def resolve_auth(environ: Mapping[str, str] | None = None) -> KfpAuth:
    """The credential to use, from the environment and the pod's projected token."""
    from kfp import client as kfp_client  # here: `ideko --help` must not import kfp

    env = os.environ if environ is None else environ
    if env.get(TOKEN_ENV):
        return KfpAuth(source=f"bearer token from {TOKEN_ENV}", existing_token=env[TOKEN_ENV])
    if env.get(COOKIE_ENV):
        return KfpAuth(source=f"session cookie from {COOKIE_ENV}", cookies=env[COOKIE_ENV])
    token_path = (
        env.get(kfp_client.KF_PIPELINES_SA_TOKEN_ENV) or kfp_client.KF_PIPELINES_SA_TOKEN_PATH
    )
    if Path(token_path).is_file():
        return KfpAuth(source=f"service-account token {token_path}", token_path=token_path)
    return KfpAuth(source="kfp's defaults (~/.config/kfp/context.json, kubeconfig)")
