"""Run an Experiment on a cluster's Katib through the Kubernetes custom-objects API.

The manifest is the compiler's, unchanged except for what a run must change: a unique
``metadata.name`` per run, the namespace the pipeline runs in, and the run's data location
injected into the trial command (``--data-uri X`` -> ``--train-data URI``). The
backend creates the Experiment, polls it until a terminal condition or the timeout, and
reads ``status.currentOptimalTrial``. Everything that goes wrong on a real cluster raises
:class:`TuneError` with one line saying what and how to fix it (``katib_api`` words the API
errors): a Failed Experiment (Katib's condition reason and message), a timeout, Katib not
installed, missing RBAC, a rejected manifest. A name conflict is retried once under a fresh
name; 5xx answers and broken connections are retried with backoff until the deadline.
"""

from __future__ import annotations

import copy
import hashlib
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ideko.runtime.katib import api as katib_api
from ideko.runtime.katib.api import GROUP, PLURAL, VERSION, api_failure, describe
from ideko.runtime.katib.errors import TuneError
from ideko.runtime.katib.trial_args import inject_train_data

SERVICE_ACCOUNT_NAMESPACE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")
MAX_NAME = 40  # leaves room for Katib's trial suffixes inside Kubernetes' 63-char limit
CREATE_RETRY_SECONDS = 120.0  # an API server unreachable this long at creation is no blip
MAX_BACKOFF_SECONDS = 60.0
MIN_REQUEST_SECONDS = 5.0  # even past the deadline, the delete/last read gets this long
# Marks the body this run sent, so a create whose answer was lost is recognised on retry.
CREATION_ANNOTATION = "ideko.dev/creation-token"
_TRIAL_COUNTS = (
    ("trialsSucceeded", "succeeded"),
    ("trialsRunning", "running"),
    ("trialsPending", "pending"),
    ("trialsFailed", "failed"),
    ("trialsEarlyStopped", "early stopped"),
)


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


def progress(experiment: dict[str, Any]) -> str:
    """The Experiment's latest true condition and trial counts, for logs and timeouts."""
    status = experiment.get("status") or {}
    current = [c for c in status.get("conditions") or [] if c.get("status") == "True"]
    if current:
        latest = current[-1]
        text = f"{latest.get('type')} ({latest.get('reason', '')}: {latest.get('message', '')})"
    else:
        text = "no status yet"
    counts = [f"{status[key]} {label}" for key, label in _TRIAL_COUNTS if status.get(key)]
    return f"{text}, trials: {', '.join(counts)}" if counts else text


def backoff(base: float, failures: int) -> float:
    """Seconds to wait after ``failures`` transient failures in a row: doubling, capped."""
    return min(MAX_BACKOFF_SECONDS, max(base, 0.0) * 2 ** min(failures - 1, 16))


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
    delete_on_timeout: bool = False,
    log: Callable[[str], None] | None = None,
) -> ClusterOutcome:
    """Create the Experiment, wait for it, return its current optimal trial.

    On timeout the Experiment is left running for inspection unless ``delete_on_timeout``.
    ``log`` receives progress lines (state changes, retried API failures); default stderr.
    """
    if api is None:
        api = default_api()
    namespace = namespace or current_namespace(manifest)
    cluster = _Cluster(
        api=api,
        manifest=manifest,
        namespace=namespace,
        deadline=clock() + timeout_seconds,
        poll_seconds=poll_seconds,
        sleep=sleep,
        clock=clock,
        log=log or _stderr,
    )
    base = str((manifest.get("metadata") or {}).get("name") or "experiment")
    name = cluster.create(base, run_id, data_uri)
    experiment, condition, last_error = cluster.wait(name)
    where = f"Katib Experiment {namespace}/{name}"
    if condition is None:
        seen = progress(experiment) if experiment is not None else "never read"
        notes = [f"last seen: {seen}"]
        if last_error:
            notes.append(f"last API error: {last_error}")
        notes.append(
            cluster.delete(name)
            if delete_on_timeout
            else f"left running for inspection: kubectl -n {namespace} get experiment {name}"
        )
        raise TuneError(f"{where} did not finish within {timeout_seconds:g}s ({'; '.join(notes)})")
    if condition["type"] == "Failed":
        raise TuneError(
            f"{where} failed: {condition.get('reason', '')}: {condition.get('message', '')}"
        )
    optimal = (experiment.get("status") or {}).get("currentOptimalTrial") or {}
    if not optimal.get("bestTrialName"):
        raise TuneError(
            f"{where} succeeded ({condition.get('reason', '')}) but reports no optimal trial"
        )
    assignments = {a["name"]: str(a["value"]) for a in optimal.get("parameterAssignments") or []}
    metrics = {
        m["name"]: {k: str(m.get(k, "")) for k in ("min", "max", "latest")}
        for m in (optimal.get("observation") or {}).get("metrics") or []
    }
    return ClusterOutcome(name, namespace, assignments, metrics, experiment)


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


@dataclass
class _Cluster:
    """One run's conversation with the API server: its namespace, deadline, clock and log."""

    api: Any
    manifest: dict[str, Any]
    namespace: str
    deadline: float
    poll_seconds: float
    sleep: Callable[[float], None]
    clock: Callable[[], float]
    log: Callable[[str], None]

    def request(self, verb: str, *args: Any) -> Any:
        """One ``<verb>_namespaced_custom_object`` call, bounded by the time left."""
        method = getattr(self.api, f"{verb}_namespaced_custom_object")
        left = max(self.deadline - self.clock(), MIN_REQUEST_SECONDS)
        timeout = min(katib_api.REQUEST_TIMEOUT_SECONDS, left)
        return katib_api.call(
            method, GROUP, VERSION, self.namespace, PLURAL, *args, timeout=timeout
        )

    def final(self, exc: Exception, verb: str, name: str) -> TuneError:
        """The error to raise for a failure that retrying will not fix (re-raises bugs)."""
        if not katib_api.is_api_error(exc):
            raise exc
        return katib_api.explain(
            exc, verb=verb, namespace=self.namespace, name=name, manifest=self.manifest
        )

    def pause(self, seconds: float, until: float) -> None:
        self.sleep(max(0.0, min(seconds, until - self.clock())))

    def create(self, base: str, run_id: str | None, data_uri: str | None) -> str:
        """Create the Experiment; returns the name it got (fresh once after a conflict)."""
        token = uuid.uuid4().hex
        name = unique_name(base, run_id)
        give_up = min(self.deadline, self.clock() + CREATE_RETRY_SECONDS)
        taken: list[str] = []
        failures = 0
        while True:
            body = prepare_manifest(
                self.manifest, name=name, namespace=self.namespace, data_uri=data_uri
            )
            body["metadata"].setdefault("annotations", {})[CREATION_ANNOTATION] = token
            try:
                self.request("create", body)
                return name
            except Exception as exc:
                failure = api_failure(exc)
                if failure is not None and failure.status == 409:
                    if failures and self._created_by(name, token):
                        return name  # an earlier attempt went through; its answer was lost
                    taken.append(name)
                    if len(taken) > 1:
                        raise TuneError(
                            f"cannot create a Katib Experiment in {self.namespace}: the names "
                            f"{' and '.join(taken)} both exist already ({describe(exc)})"
                        ) from None
                    name = unique_name(base)
                    self.log(
                        f"Katib Experiment {self.namespace}/{taken[0]} already exists; "
                        f"creating {name} instead"
                    )
                    continue
                if not katib_api.is_transient(exc):
                    raise self.final(exc, "create", name) from None
                failures += 1
                if self.clock() >= give_up:
                    raise TuneError(
                        f"cannot create Katib Experiment {self.namespace}/{name}: the "
                        f"Kubernetes API{_server(self.api)} kept failing "
                        f"({failures} attempt{'s' * (failures != 1)}): "
                        f"{describe(exc)}"
                    ) from None
                self.log(
                    f"creating Katib Experiment {self.namespace}/{name} failed "
                    f"({describe(exc)}); retrying"
                )
                self.pause(backoff(self.poll_seconds, failures), give_up)

    def _created_by(self, name: str, token: str) -> bool:
        """Whether the existing Experiment ``name`` is the body this run sent."""
        try:
            existing = self.request("get", name)
        except Exception as exc:
            if not katib_api.is_api_error(exc):
                raise
            return False
        annotations = (existing.get("metadata") or {}).get("annotations") or {}
        return annotations.get(CREATION_ANNOTATION) == token

    def wait(self, name: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None, str]:
        """Poll until a terminal condition or the deadline: (last read, condition, last error).

        Transient failures are retried with backoff; the deadline alone ends the wait.
        """
        experiment: dict[str, Any] | None = None
        state, last_error, failures = "", "", 0
        while True:
            try:
                experiment = self.request("get", name)
            except Exception as exc:
                if not katib_api.is_transient(exc):
                    raise self.final(exc, "get", name) from None
                failures += 1
                last_error = describe(exc)
                self.log(
                    f"reading Katib Experiment {self.namespace}/{name} failed "
                    f"({last_error}); retrying"
                )
                delay = backoff(self.poll_seconds, failures)
            else:
                failures, last_error = 0, ""
                condition = terminal_condition(experiment)
                if condition is not None:
                    return experiment, condition, ""
                if progress(experiment) != state:
                    state = progress(experiment)
                    self.log(f"Katib Experiment {self.namespace}/{name}: {state}")
                delay = self.poll_seconds
            if self.clock() >= self.deadline:
                return experiment, None, last_error
            self.pause(delay, self.deadline)

    def delete(self, name: str) -> str:
        """Delete a timed-out Experiment (Katib's trials go with it); says what happened."""
        try:
            self.request("delete", name)
        except Exception as exc:
            if not katib_api.is_api_error(exc):
                raise
            failure = api_failure(exc)
            if failure is not None and failure.status == 404:
                return "it no longer exists"
            return (
                f"deleting it failed ({describe(exc)}): "
                f"kubectl -n {self.namespace} delete experiment {name}"
            )
        return "deleted"


def _server(api: Any) -> str:
    """`` at <host>`` for a real client (its configuration names the server), else ''."""
    host = getattr(getattr(getattr(api, "api_client", None), "configuration", None), "host", "")
    return f" at {host}" if isinstance(host, str) and host else ""
