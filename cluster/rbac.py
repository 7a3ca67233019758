"""The compiled Role/RoleBinding for the tune steps, bound to the account the runs use.

``ideko-compile`` binds the ServiceAccount ``pipeline-runner`` (KFP's single-user default);
a run under another account (multi-user Kubeflow runs as ``default-editor``) gets the same
Role bound to that account instead of a hand-edited copy.
"""

from __future__ import annotations

import copy
from typing import Any

import yaml
from ideko.cluster.errors import SubmitError
from ideko.runtime.katib.api import RBAC_SUBJECT


def rbac_documents(text: str, source: str, service_account: str) -> list[dict[str, Any]]:
    """The Role and RoleBinding of ``text``, the binding's subject set to ``service_account``."""
    try:
        documents = [d for d in yaml.safe_load_all(text) if d]
    except yaml.YAMLError as exc:
        raise SubmitError(f"{source}: not valid YAML ({str(exc).splitlines()[0]})") from None
    result = []
    for document in documents:
        if not isinstance(document, dict) or document.get("kind") not in ("Role", "RoleBinding"):
            raise SubmitError(
                f"{source}: expected a Role and a RoleBinding, found {document!r:.60}"
            )
        document = copy.deepcopy(document)
        for subject in document.get("subjects") or []:
            if subject.get("kind") == "ServiceAccount" and subject.get("name") == RBAC_SUBJECT:
                subject["name"] = service_account
        result.append(document)
    return result


def describe(documents: list[dict[str, Any]]) -> str:
    """``Role x, RoleBinding x`` for plans and logs."""
    return ", ".join(f"{d['kind']} {d['metadata']['name']}" for d in documents)
