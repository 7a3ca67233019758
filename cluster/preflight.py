"""Checks before anything is created: each finding is one line, and a failure says the fix.

Static checks read the compiled pipeline (images pinned, data the pods can read); cluster
checks ask the Kubernetes API what the run's tune steps will need (Katib served, the user
and the pipeline's service account allowed, the namespace labelled for Katib's metrics
collector). A pipeline without tune steps needs none of the cluster checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ideko.cluster import references
from ideko.cluster.kube import KubeCluster, service_account_user
from ideko.cluster.package import PipelinePackage
from ideko.cluster.retry import explain
from ideko.runtime.katib.api import GROUP, PLURAL, RBAC_PATH, api_failure, is_api_error

OK, WARN, FAIL = "ok", "warn", "FAIL"
# The compiled pipeline's location parameters (the arguments of the pipeline function in
# compiler/build/pipeline.py).
DATA_URI, REGISTRY_URI = "data_uri", "registry_uri"
# Katib injects its metrics-collector sidecar only into namespaces with this label
# (kubeflow/katib#2492); without it trials run but report no metrics.
INJECTION_LABEL = "katib.kubeflow.org/metrics-collector-injection"
INJECTION_VALUE = "enabled"
# What the tune step does with an Experiment (runtime/katib/cluster.py: create, then poll).
ACCOUNT_VERBS = ("create", "get", "watch")
KATIB_INSTALL = "install Katib (kubeflow/katib manifests, e.g. kubectl apply -k "
KATIB_INSTALL += "'github.com/kubeflow/katib.git/manifests/v1beta1/installs/katib-standalone')"
DATA_FIX = (
    "copy the data to object storage and pass -p data_uri=s3://<bucket>/<path> (or set "
    "data.source.uri / data.source.lakefs in the spec and recompile)"
)


@dataclass(frozen=True)
class Finding:
    status: str  # OK, WARN or FAIL
    message: str  # one line; a FAIL names its fix


def failed(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.status == FAIL]


def verdict(passed: bool, ok: str, fail: str) -> Finding:
    """A check's finding: ``ok`` when it passed, else ``fail`` (which names the fix)."""
    return Finding(OK, ok) if passed else Finding(FAIL, fail)


def static_findings(package: PipelinePackage, arguments: dict[str, Any]) -> list[Finding]:
    """Images pinned and the data location readable by the cluster (no network)."""
    findings = []
    for image in package.images:
        problem = references.image_problem(image)
        findings.append(
            verdict(
                problem is None,
                f"image {image} is pinned",
                f"image {image} has {problem}, so runs are not reproducible: push a "
                "versioned tag (docker build -f runtime/Dockerfile -t <registry>/"
                "ideko-runtime:<version> . && docker push ...), set runtime.image in the "
                "spec and recompile",
            )
        )
    uri = arguments.get(DATA_URI)
    if isinstance(uri, str):
        kind = references.location_kind(uri)
        if kind == "readable":
            findings.append(Finding(OK, f"data_uri {uri} is readable from the cluster"))
        elif kind == "local":
            findings.append(
                Finding(
                    FAIL,
                    f"data_uri {uri!r} is a path on this machine, which pods cannot read: "
                    + DATA_FIX,
                )
            )
        else:
            schemes = ", ".join(references.CLUSTER_READABLE_SCHEMES)
            findings.append(
                Finding(
                    WARN,
                    f"data_uri {uri} uses a scheme ideko does not check ({schemes} are known): "
                    "make sure the runtime image can read it",
                )
            )
    registry = arguments.get(REGISTRY_URI)
    if isinstance(registry, str) and references.location_kind(registry) == "local":
        findings.append(
            Finding(
                WARN,
                f"registry_uri {registry!r} is a path inside the register step's pod, gone when "
                "it ends: pass -p registry_uri=<the MLflow or Model Registry server>",
            )
        )
    return findings


@dataclass
class ClusterCheck:
    """The Kubernetes-side checks for one submission."""

    kube: KubeCluster
    namespace: str
    service_account: str
    apply: list[dict[str, Any]] | None = None  # RBAC documents to apply first (--apply-rbac)
    dry_run: bool = False
    blocked: bool = False  # other checks failed: --apply-rbac changes nothing then

    def findings(self, package: PipelinePackage) -> list[Finding]:
        """Every cluster finding; an API that does not answer is one FAIL, not a traceback."""
        try:
            return self._findings(package)
        except Exception as exc:
            if not is_api_error(exc):
                raise
            return [Finding(FAIL, self._unanswered(exc))]

    def _unanswered(self, exc: BaseException) -> str:
        failure = api_failure(exc)
        where = f"the Kubernetes API at {self.kube.host}"
        if failure is None:
            return (
                f"{where} does not answer ({explain(exc)}): check the kubeconfig context "
                "(kubectl cluster-info) or pass --kube-context"
            )
        if failure.status == 401:
            return f"{where} rejected the credentials ({explain(exc)}): log in again (kubeconfig)"
        return f"{where} answered {explain(exc)}"

    def _findings(self, package: PipelinePackage) -> list[Finding]:
        ns = self.namespace
        if not self.kube.serves_experiments():
            return [
                Finding(
                    FAIL,
                    f"Katib's Experiment CRD ({PLURAL}.{GROUP}) is not installed: {KATIB_INSTALL}",
                )
            ]
        findings = [Finding(OK, f"Katib's Experiment CRD is served by {self.kube.host}")]
        findings.append(
            verdict(
                self.kube.user_may("create", ns),
                f"you may create Katib Experiments in namespace {ns}",
                f"you may not create Katib Experiments in namespace {ns} (kubectl auth can-i "
                f"create {PLURAL}.{GROUP} -n {ns}): ask the namespace owner to add you to its "
                "Kubeflow profile, or pass --namespace",
            )
        )
        labels = self.kube.namespace_labels(ns)
        if labels is None:
            findings.append(
                Finding(
                    FAIL,
                    f"namespace {ns} does not exist: create a Kubeflow profile for it or pass "
                    "--namespace",
                )
            )
            return findings
        findings.append(
            verdict(
                labels.get(INJECTION_LABEL) == INJECTION_VALUE,
                f"namespace {ns} has {INJECTION_LABEL}={INJECTION_VALUE}",
                f"namespace {ns} lacks the label Katib's metrics collector needs: "
                f"kubectl label namespace {ns} {INJECTION_LABEL}={INJECTION_VALUE}",
            )
        )
        findings.extend(self._account(package, self.blocked or bool(failed(findings))))
        return findings

    def _account(self, package: PipelinePackage, blocked: bool) -> list[Finding]:
        ns, account = self.namespace, self.service_account
        rbac = package.rbac_path or RBAC_PATH.format(pipeline=package.name)
        findings = []
        if self.apply is not None and blocked:
            findings.append(Finding(WARN, "--apply-rbac not applied: fix the problems above first"))
        elif self.apply is not None:
            from ideko.cluster.rbac import describe

            if self.dry_run:  # what the account may do is then up to what would be applied
                what = f"{describe(self.apply)} in {ns} for service account {account}"
                return [Finding(OK, f"--apply-rbac would apply {what}")]
            else:
                for document in self.apply:
                    try:
                        done = self.kube.apply(document, ns)
                    except Exception as exc:
                        if api_failure(exc) is None:
                            raise
                        return [
                            Finding(
                                FAIL,
                                f"--apply-rbac could not apply {document['kind']} "
                                f"{document['metadata']['name']} ({explain(exc)}): ask the owner "
                                f"of namespace {ns} to run kubectl apply -n {ns} -f {rbac}",
                            )
                        ]
                    findings.append(Finding(OK, f"--apply-rbac: {done}"))
        user = service_account_user(ns, account)
        try:
            denied = [v for v in ACCOUNT_VERBS if not self.kube.account_may(user, v, ns)]
        except Exception as exc:
            failure = api_failure(exc)
            if failure is None or failure.status != 403:
                raise
            findings.append(
                Finding(
                    WARN,
                    f"cannot check what service account {account} may do ({explain(exc)}): "
                    f"kubectl auth can-i create {PLURAL}.{GROUP} -n {ns} --as {user}",
                )
            )
            return findings
        findings.append(
            verdict(
                not denied,
                f"service account {account} may create and watch Katib Experiments in {ns}",
                f"service account {account} may not {', '.join(denied)} Katib Experiments in "
                f"namespace {ns}: kubectl apply -n {ns} -f {rbac} (or rerun with --apply-rbac)",
            )
        )
        return findings
