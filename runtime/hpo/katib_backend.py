"""Run an Experiment on a cluster's Katib through the Kubernetes custom-objects API.

The manifest is the compiler's, unchanged except for what a run must change: a unique
``metadata.name`` per run, the namespace the pipeline runs in, and the run's data location
injected into the trial command (``--data-uri X`` -> ``--train-data URI``). The
backend creates the Experiment, polls it until a terminal condition or the timeout, and
reads ``status.currentOptimalTrial``. A Failed experiment or a timeout raises
:class:`TuneError` carrying Katib's condition reason and message.
"""

from __future__ import annotations

import copy
import hashlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ideko.runtime.hpo.errors import TuneError
from ideko.runtime.hpo.trial import inject_train_data

GROUP, VERSION, PLURAL = "kubeflow.org", "v1beta1", "experiments"
SERVICE_ACCOUNT_NAMESPACE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")
MAX_NAME = 40  # leaves room for Katib's trial suffixes inside Kubernetes' 63-char limit


@dataclass(frozen=True)
class ClusterOutcome:
    name: str
    namespace: str
    assignments: dict[str, str]
    metrics: dict[str, dict[str, str]]  # name -> {min, max, latest}
    experiment: dict[str, Any]  # the Experiment object as last read


def in_cluster() -> bool:
    """True when in-cluster Kubernetes configuration can be loaded (and loads it)."""
    try:
        from kubernetes import config
    except ImportError:
        return False
    try:
        config.load_incluster_config()
    except config.ConfigException:
        return False
    return True


def default_api() -> Any:
    """A ``CustomObjectsApi`` from in-cluster configuration, else the local kubeconfig."""
    from kubernetes import client, config

    if not in_cluster():
        try:
            config.load_kube_config()
        except (config.ConfigException, OSError) as exc:
            raise TuneError(
                f"backend katib needs a Kubernetes cluster: no in-cluster configuration and "
                f"no usable kubeconfig ({exc})"
            ) from None
    return client.CustomObjectsApi()


def unique_name(base: str, run_id: str | None = None) -> str:
    """``<base>-<8 hex>``, at most 40 characters, stable for a given ``run_id``."""
    token = hashlib.sha256((run_id or uuid.uuid4().hex).encode()).hexdigest()[:8]
    return f"{base[: MAX_NAME - 9].rstrip('-')}-{token}"


def prepare_manifest(
    manifest: dict[str, Any], *, name: str, namespace: str, data_uri: str | None
) -> dict[str, Any]:
    """A copy of ``manifest`` with the run's name, namespace and data location."""
    body = copy.deepcopy(manifest)
    body.setdefault("metadata", {})
    body["metadata"]["name"] = name
    body["metadata"]["namespace"] = namespace
    if data_uri is not None:
        template = body["spec"]["trialTemplate"]
        primary = template.get("primaryContainerName")
        for container in template["trialSpec"]["spec"]["template"]["spec"]["containers"]:
            if container.get("name") == primary:
                container["args"] = inject_train_data(
                    [str(a) for a in container.get("args") or []], data_uri
                )
    return body


def current_namespace(manifest: dict[str, Any]) -> str:
    """The pod's namespace (service-account file), else the manifest's, else ``kubeflow``."""
    if SERVICE_ACCOUNT_NAMESPACE.exists():
        return SERVICE_ACCOUNT_NAMESPACE.read_text(encoding="utf-8").strip()
    return str((manifest.get("metadata") or {}).get("namespace") or "kubeflow")


def terminal_condition(experiment: dict[str, Any]) -> dict[str, Any] | None:
    """The Succeeded or Failed condition with status True, if the experiment has one."""
    for condition in (experiment.get("status") or {}).get("conditions") or []:
        if condition.get("type") in ("Succeeded", "Failed") and condition.get("status") == "True":
            return condition
    return None


def run_on_cluster(
    manifest: dict[str, Any],
    *,
    data_uri: str | None,
    timeout_seconds: float,
    api: Any = None,
    namespace: str | None = None,
    run_id: str | None = None,
    poll_seconds: float = 10.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> ClusterOutcome:
    """Create the Experiment, wait for it, return its current optimal trial."""
    if api is None:
        api = default_api()
    namespace = namespace or current_namespace(manifest)
    base = str((manifest.get("metadata") or {}).get("name") or "experiment")
    name = unique_name(base, run_id)
    body = prepare_manifest(manifest, name=name, namespace=namespace, data_uri=data_uri)
    api.create_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, body)
    deadline = clock() + timeout_seconds
    while True:
        experiment = api.get_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, name)
        condition = terminal_condition(experiment)
        if condition is not None:
            break
        if clock() >= deadline:
            raise TuneError(
                f"Katib Experiment {namespace}/{name} did not finish within "
                f"{timeout_seconds:g}s (left running for inspection)"
            )
        sleep(poll_seconds)
    if condition["type"] == "Failed":
        raise TuneError(
            f"Katib Experiment {namespace}/{name} failed: {condition.get('reason', '')}: "
            f"{condition.get('message', '')}"
        )
    optimal = (experiment.get("status") or {}).get("currentOptimalTrial") or {}
    if not optimal.get("bestTrialName"):
        raise TuneError(
            f"Katib Experiment {namespace}/{name} succeeded ({condition.get('reason', '')}) "
            "but reports no optimal trial"
        )
    assignments = {a["name"]: str(a["value"]) for a in optimal.get("parameterAssignments") or []}
    metrics = {
        m["name"]: {k: str(m.get(k, "")) for k in ("min", "max", "latest")}
        for m in (optimal.get("observation") or {}).get("metrics") or []
    }
    return ClusterOutcome(name, namespace, assignments, metrics, experiment)
