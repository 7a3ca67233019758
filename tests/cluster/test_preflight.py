"""Preflight through the real ``kubernetes`` client against the Kubernetes API double.

Each failure must be one line that names the fix; ``--apply-rbac`` must turn the service
account's denied access review into an allowed one through the Role/RoleBinding it applies.
"""

import pytest
from ideko.cluster.errors import SubmitError
from ideko.cluster.kube import KubeCluster, default_namespace
from ideko.cluster.package import PipelinePackage, load_ir_file
from ideko.cluster.preflight import FAIL, OK, WARN, ClusterCheck, static_findings
from ideko.cluster.rbac import rbac_documents
from ideko.cluster.retry import Retry
from katib_api_stub import Fault
from submit_cases import IR, NS

PACKAGE = load_ir_file(IR, "katib/rbac.yaml")
RUNNER = f"system:serviceaccount:{NS}:pipeline-runner"
NO_WAIT = Retry(attempts=3, base_seconds=0.0)


@pytest.fixture
def api(kube):
    with kube.kubernetes_client() as api_client:
        yield api_client


def check(api, *, apply=None, dry_run=False, account="pipeline-runner", log=None):
    kube = KubeCluster(api, retry=NO_WAIT, log=log)
    return ClusterCheck(kube, NS, account, apply=apply, dry_run=dry_run).findings(PACKAGE)


def grant(kube, account="pipeline-runner"):
    for document in rbac_documents(PACKAGE.rbac_text, "rbac.yaml", account):
        plural = "roles" if document["kind"] == "Role" else "rolebindings"
        kube.rbac[(plural, NS, document["metadata"]["name"])] = document


def failures(findings):
    lines = [f.message for f in findings if f.status == FAIL]
    assert all("\n" not in line and "Traceback" not in line for line in lines)
    return lines


def test_a_ready_namespace_passes_every_check(kube, api):
    grant(kube)
    findings = check(api)
    assert [f.status for f in findings] == [OK] * 4, findings
    reviews = [r for r in kube.requests("POST") if "localsubjectaccessreviews" in r.path]
    assert {r.body["spec"]["resourceAttributes"]["verb"] for r in reviews} == {
        "create",
        "get",
        "watch",
    }
    assert {r.body["spec"]["user"] for r in reviews} == {RUNNER}
    assert all(r.headers["authorization"] == f"Bearer {kube.token}" for r in kube.requests())


def test_katib_not_installed(kube, api):
    kube.crd_installed = False
    [line] = failures(check(api))
    assert line.startswith(
        "Katib's Experiment CRD (experiments.kubeflow.org) is not installed: install Katib"
    )


def test_the_user_may_not_create_experiments(kube, api):
    grant(kube)
    kube.user_denied.add(("create", "experiments"))
    [line] = failures(check(api))
    assert f"you may not create Katib Experiments in namespace {NS}" in line
    assert f"kubectl auth can-i create experiments.kubeflow.org -n {NS}" in line


def test_missing_namespace(kube, api):
    kube.namespaces = {"other"}
    [line] = failures(check(api))
    assert (
        line
        == f"namespace {NS} does not exist: create a Kubeflow profile for it or pass --namespace"
    )


def test_missing_injection_label_names_the_kubectl_command(kube, api):
    grant(kube)
    kube.namespace_labels[NS] = {}
    [line] = failures(check(api))
    assert line.endswith(
        f"kubectl label namespace {NS} katib.kubeflow.org/metrics-collector-injection=enabled"
    )


def test_service_account_without_rbac_then_apply_rbac(kube, api):
    [line] = failures(check(api))
    assert line == (
        f"service account pipeline-runner may not create, get, watch Katib Experiments in "
        f"namespace {NS}: kubectl apply -n {NS} -f {PACKAGE.rbac_path} (or rerun with --apply-rbac)"
    )
    documents = rbac_documents(PACKAGE.rbac_text, "rbac.yaml", "pipeline-runner")
    findings = check(api, apply=documents)
    assert not failures(findings)
    assert [f.message for f in findings if "--apply-rbac" in f.message] == [
        f"--apply-rbac: created Role {NS}/ideko-anomaly-classification-katib",
        f"--apply-rbac: created RoleBinding {NS}/ideko-anomaly-classification-katib",
    ]
    again = check(api, apply=documents)  # apply is create-or-replace
    assert "updated Role" in " ".join(f.message for f in again) and not failures(again)


def test_apply_rbac_binds_the_account_the_runs_use(kube, api):
    documents = rbac_documents(PACKAGE.rbac_text, "rbac.yaml", "default-editor")
    assert not failures(check(api, apply=documents, account="default-editor"))
    binding = kube.rbac[("rolebindings", NS, "ideko-anomaly-classification-katib")]
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "default-editor"}]


def test_apply_rbac_waits_until_the_other_checks_pass(kube, api):
    kube.namespace_labels[NS] = {}
    documents = rbac_documents(PACKAGE.rbac_text, "rbac.yaml", "pipeline-runner")
    findings = check(api, apply=documents)
    assert "--apply-rbac not applied: fix the problems above first" in [f.message for f in findings]
    assert not kube.rbac and len(failures(findings)) == 2  # the label, and so still the account


def test_dry_run_applies_nothing(kube, api):
    documents = rbac_documents(PACKAGE.rbac_text, "rbac.yaml", "pipeline-runner")
    findings = check(api, apply=documents, dry_run=True)
    assert findings[-1].message == (
        "--apply-rbac would apply Role ideko-anomaly-classification-katib, RoleBinding "
        f"ideko-anomaly-classification-katib in {NS} for service account pipeline-runner"
    )
    assert not kube.rbac and not [r for r in kube.requests("POST") if "rbac" in r.path]


def test_a_review_the_user_may_not_ask_is_a_warning(kube, api):
    kube.reviews_forbidden = True
    findings = check(api)
    assert not failures(findings) and findings[-1].status == WARN
    assert f"--as {RUNNER}" in findings[-1].message


def test_an_api_that_does_not_answer_is_one_line(kube, api):
    kube.stop()
    api.configuration.retries = 0  # urllib3 would retry a refused connection 3 times
    [line] = failures(check(api))
    assert line.startswith(f"the Kubernetes API at {kube.url} does not answer (")
    assert "kubectl cluster-info" in line


def test_rejected_credentials(kube, api):
    api.configuration.api_key = {"authorization": "expired"}
    [line] = failures(check(api))
    assert "rejected the credentials (401 Unauthorized" in line and "expired" not in line


def test_5xx_then_recovers(kube, api):
    grant(kube)
    kube.faults = [Fault(status=503), Fault(status=500, methods=("POST",))]
    lines = []
    findings = check(api, log=lines.append)
    assert [f.status for f in findings] == [OK] * 4
    assert len(lines) == 2 and all("retrying" in line for line in lines)


def test_static_findings_images_and_data():
    findings = static_findings(PACKAGE, {"data_uri": "data/synthetic"})
    assert (findings[0].status, findings[0].message) == (
        OK,
        "image ghcr.io/ideko/ideko-runtime:0.1.0 is pinned",
    )
    assert findings[1].status == FAIL and findings[1].message.startswith(
        "data_uri 'data/synthetic' is a path on this machine, which pods cannot read: copy the data"
    )
    assert static_findings(PACKAGE, {"data_uri": "lakefs://ideko-data/main/raw"})[1].status == OK
    assert static_findings(PACKAGE, {"data_uri": "dvc://x/y"})[1].status == WARN
    [registry] = static_findings(PACKAGE, {"registry_uri": "registry"})[1:]
    assert registry.status == WARN and "-p registry_uri=" in registry.message
    assert static_findings(PACKAGE, {"registry_uri": "http://mlflow.kubeflow:5000"})[1:] == []
    latest = PipelinePackage(
        text=IR.read_text(encoding="utf-8").replace(":0.1.0", ":latest"), source="x"
    )
    [image] = [f for f in static_findings(latest, {}) if f.status == FAIL]
    assert (
        "has the floating tag 'latest'" in image.message
        and "docker build -f runtime/Dockerfile" in image.message
    )


def test_default_namespace_is_the_kubeconfig_contexts(kubeconfig):
    assert default_namespace() == NS


@pytest.mark.parametrize(
    "text, words",
    [
        ("a: [1\n", "not valid YAML"),
        ("kind: ClusterRole\nmetadata: {name: x}\n", "expected a Role"),
    ],
)
def test_a_broken_rbac_file_is_one_line(text, words):
    with pytest.raises(SubmitError) as caught:
        rbac_documents(text, "generated/p/katib/rbac.yaml", "pipeline-runner")
    assert words in str(caught.value) and "\n" not in str(caught.value)
