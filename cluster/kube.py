"""The Kubernetes API questions the preflight asks, through the official ``kubernetes`` client.

Every question is one a namespace user can ask without cluster-admin rights: API discovery
(is Katib's ``experiments.kubeflow.org`` served; reading CRDs needs a cluster role),
``SelfSubjectAccessReview`` (may I), ``LocalSubjectAccessReview`` in the namespace (may the
pipeline's service account; Kubernetes' ``admin`` role grants it to namespace owners), the
namespace's labels, and create-or-replace of the compiled Role/RoleBinding.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ideko.cluster.errors import SubmitError
from ideko.cluster.retry import Retry
from ideko.runtime.katib.api import GROUP, PLURAL, REQUEST_TIMEOUT_SECONDS, VERSION, api_failure


def connect(context: str | None = None) -> Any:
    """An ``ApiClient`` from in-cluster configuration, else the kubeconfig (``context``)."""
    from kubernetes import client, config

    configuration = client.Configuration()
    try:
        config.load_incluster_config(client_configuration=configuration)
    except config.ConfigException:
        try:
            config.load_kube_config(
                config_file=kubeconfig_path(), context=context, client_configuration=configuration
            )
        except (config.ConfigException, OSError) as exc:
            raise SubmitError(
                f"no Kubernetes configuration: not in a pod and no usable kubeconfig ({exc}); "
                "point KUBECONFIG at the cluster or pass --kube-context"
            ) from None
    return client.ApiClient(configuration)


def kubeconfig_path() -> str | None:
    """``KUBECONFIG`` as kubectl reads it now (the client reads it once, at import)."""
    import os

    return os.environ.get("KUBECONFIG") or None


def service_account_user(namespace: str, name: str) -> str:
    """The user name Kubernetes authorises a service account's requests as."""
    return f"system:serviceaccount:{namespace}:{name}"


@dataclass
class KubeCluster:
    """One ``ApiClient`` and the retry policy for its calls."""

    api_client: Any
    retry: Retry = field(default_factory=Retry)
    log: Callable[[str], None] | None = None

    @property
    def host(self) -> str:
        return str(getattr(self.api_client.configuration, "host", "") or "")

    def _call(self, what: str, fn: Callable[..., Any], *args: Any) -> Any:
        timeout = (REQUEST_TIMEOUT_SECONDS, REQUEST_TIMEOUT_SECONDS)
        return self.retry.call(lambda: fn(*args, _request_timeout=timeout), log=self.log, what=what)

    def user_may(self, verb: str, namespace: str) -> bool:
        """``kubectl auth can-i <verb> experiments.kubeflow.org -n <namespace>``."""
        from kubernetes import client

        body = {
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "SelfSubjectAccessReview",
            "spec": {"resourceAttributes": _attributes(verb, namespace)},
        }
        api = client.AuthorizationV1Api(self.api_client)
        review = self._call("access review", api.create_self_subject_access_review, body)
        return bool(review.status and review.status.allowed)

    def account_may(self, user: str, verb: str, namespace: str) -> bool:
        """Whether ``user`` (a service account) may ``verb`` Experiments in ``namespace``."""
        from kubernetes import client

        body = {
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "LocalSubjectAccessReview",
            "metadata": {"namespace": namespace},
            "spec": {"user": user, "resourceAttributes": _attributes(verb, namespace)},
        }
        api = client.AuthorizationV1Api(self.api_client)
        review = self._call(
            "access review", api.create_namespaced_local_subject_access_review, namespace, body
        )
        return bool(review.status and review.status.allowed)

    def serves_experiments(self) -> bool:
        """Whether the API server serves ``experiments`` in ``kubeflow.org/v1beta1``."""
        from kubernetes import client

        api = client.CustomObjectsApi(self.api_client)
        try:
            resources = self._call("API discovery", api.get_api_resources, GROUP, VERSION)
        except Exception as exc:
            failure = api_failure(exc)
            if failure is not None and failure.status == 404:
                return False
            raise
        return any(r.name == PLURAL for r in resources.resources or [])

    def namespace_labels(self, namespace: str) -> dict[str, str] | None:
        """The namespace's labels; None when it does not exist."""
        from kubernetes import client

        api = client.CoreV1Api(self.api_client)
        try:
            found = self._call("namespace read", api.read_namespace, namespace)
        except Exception as exc:
            failure = api_failure(exc)
            if failure is not None and failure.status == 404:
                return None
            raise
        return dict(found.metadata.labels or {})

    def apply(self, document: dict[str, Any], namespace: str) -> str:
        """Create a Role or RoleBinding, or replace the one of that name: what was done."""
        from kubernetes import client

        api = client.RbacAuthorizationV1Api(self.api_client)
        kind = document["kind"]
        suffix = {"Role": "role", "RoleBinding": "role_binding"}.get(kind)
        if suffix is None:
            raise SubmitError(f"--apply-rbac applies Roles and RoleBindings, not {kind}")
        name = document["metadata"]["name"]
        create = getattr(api, f"create_namespaced_{suffix}")
        try:
            self._call(f"creating {kind} {name}", create, namespace, document)
            return f"created {kind} {namespace}/{name}"
        except Exception as exc:
            failure = api_failure(exc)
            if failure is None or failure.status != 409:
                raise
        current = self._call(
            f"reading {kind} {name}", getattr(api, f"read_namespaced_{suffix}"), name, namespace
        )
        body = {**document, "metadata": {**document["metadata"]}}
        body["metadata"]["resourceVersion"] = current.metadata.resource_version
        replace = getattr(api, f"replace_namespaced_{suffix}")
        self._call(f"replacing {kind} {name}", replace, name, namespace, body)
        return f"updated {kind} {namespace}/{name}"


def _attributes(verb: str, namespace: str) -> dict[str, str]:
    return {"group": GROUP, "resource": PLURAL, "verb": verb, "namespace": namespace}


SERVICE_ACCOUNT_NAMESPACE = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"
FALLBACK_NAMESPACE = "kubeflow"


def default_namespace(context: str | None = None) -> str:
    """The pod's namespace, else the kubeconfig context's, else ``kubeflow`` (as kubectl)."""
    from pathlib import Path

    from kubernetes import config

    pod = Path(SERVICE_ACCOUNT_NAMESPACE)
    if pod.is_file():
        return pod.read_text(encoding="utf-8").strip() or FALLBACK_NAMESPACE
    try:
        contexts, current = config.list_kube_config_contexts(config_file=kubeconfig_path())
    except (config.ConfigException, OSError):
        return FALLBACK_NAMESPACE
    chosen = next((c for c in contexts if c.get("name") == context), None) if context else current
    return str(((chosen or {}).get("context") or {}).get("namespace") or FALLBACK_NAMESPACE)
