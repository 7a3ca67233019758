"""The Role and RoleBinding that let the pipeline's tune steps run Katib Experiments."""

from __future__ import annotations

from typing import Any

from ideko.compiler.load.spec_model import Spec

PIPELINE_SERVICE_ACCOUNT = "pipeline-runner"  # the service account KFP runs task pods as


def build_rbac(spec: Spec) -> list[dict[str, Any]]:
    """Role + RoleBinding letting the pipeline's service account run Katib Experiments."""
    name = f"{spec.metadata.name}-katib"[:63].rstrip("-")
    labels = {"app.kubernetes.io/managed-by": "ideko", "ideko.dev/pipeline": spec.metadata.name}
    role = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "Role",
        "metadata": {"name": name, "labels": labels},
        "rules": [
            {
                "apiGroups": ["kubeflow.org"],
                "resources": ["experiments"],
                "verbs": ["create", "delete", "get", "list", "patch", "watch"],
            },
            {
                "apiGroups": ["kubeflow.org"],
                "resources": ["experiments/status", "suggestions", "trials", "trials/status"],
                "verbs": ["get", "list", "watch"],
            },
        ],
    }
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": name, "labels": labels},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
        "subjects": [{"kind": "ServiceAccount", "name": PIPELINE_SERVICE_ACCOUNT}],
    }
    return [role, binding]
