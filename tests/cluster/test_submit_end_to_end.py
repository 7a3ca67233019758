"""``ideko submit`` end to end: the CLI, the real kfp and kubernetes clients (kubeconfig,
token from the environment), both API doubles. Dry run touches nothing; --wait follows the
run to its end; a re-submit creates no new version; preflight failures stop everything."""

from pathlib import Path

import pytest
from ideko.cli.main import main
from kfp_api_stub import RunScript
from submit_cases import IR, NS, SPEC

pytestmark = pytest.mark.slow  # whole submissions against the KFP and Kubernetes doubles

DATA = "data_uri=s3://mlpipeline/ideko/raw"


@pytest.fixture
def env(kube, kfp_stub, kubeconfig, monkeypatch):
    monkeypatch.setenv("KF_PIPELINES_TOKEN", kfp_stub.token)
    return kube, kfp_stub


def submit(capsys, *args):
    status = main(["submit", *map(str, args)])
    out, err = capsys.readouterr()
    return status, out, err


def assert_no_secrets(kube, kfp_stub, *texts):
    for text in texts:
        assert kfp_stub.token not in text and kube.token not in text and "cookie-secret" not in text


def test_dry_run_prints_checks_and_plan_and_creates_nothing(env, capsys):
    kube, kfp_stub = env
    status, out, err = submit(
        capsys, SPEC, "--host", kfp_stub.url, "-p", DATA, "--apply-rbac", "--dry-run"
    )
    assert status == 0, err
    assert f"namespace {NS}, auth: bearer token from KF_PIPELINES_TOKEN" in out.splitlines()[0]
    assert "  ok   image ghcr.io/ideko/ideko-runtime:0.1.0 is pinned" in out
    assert (
        f"  ok   namespace {NS} has katib.kubeflow.org/metrics-collector-injection=enabled" in out
    )
    assert "pipeline ideko-anomaly-classification: new" in out
    assert "version 0.1.0-" in out and ": new upload" in out
    assert (
        "run ideko-anomaly-classification 0.1.0-" in out
        and "parameters data_uri=s3://mlpipeline/ideko/raw" in out
    )
    assert out.rstrip().endswith("dry run: nothing was created")
    assert {r.method for r in kfp_stub.requests()} == {"GET"} and not kfp_stub.pipelines
    assert not kube.rbac and {r.method for r in kube.requests()} <= {"GET", "POST"}
    assert all("accessreviews" in r.path for r in kube.requests("POST"))
    assert_no_secrets(kube, kfp_stub, out, err)


def test_wait_follows_the_run_and_a_resubmit_reuses_the_version(env, capsys):
    kube, kfp_stub = env
    args = [
        SPEC,
        "--host",
        kfp_stub.url,
        "-p",
        DATA,
        "-p",
        "seed=3",
        "--apply-rbac",
        "--wait",
        "--poll-seconds",
        "0",
    ]
    status, out, err = submit(capsys, *args)
    assert status == 0, err
    [run] = kfp_stub.runs.values()
    assert run["runtime_config"]["parameters"] == {
        "data_uri": "s3://mlpipeline/ideko/raw",
        "seed": 3,
    }
    assert f"created: {kfp_stub.url}/#/runs/details/{run['run_id']}" in out
    assert "run: RUNNING" in out and out.rstrip().endswith(f"run {run['run_id']} ended SUCCEEDED")
    assert f"--apply-rbac: created RoleBinding {NS}/ideko-anomaly-classification-katib" in out
    status, out, err = submit(capsys, *args)
    assert status == 0, err
    assert "same content exists" in out and "reused" in out
    assert len(kfp_stub.versions) == 1 and len(kfp_stub.runs) == 2
    assert len(kfp_stub.requests("POST", "upload_version")) == 1
    # The compiled file of the same spec is the same content: still no new version.
    status, out, err = submit(capsys, IR, "--host", kfp_stub.url, "-p", DATA)
    assert status == 0, err
    assert len(kfp_stub.versions) == 1 and "reused" in out
    assert_no_secrets(kube, kfp_stub, out, err)


def test_a_failed_run_exits_1(env, capsys, monkeypatch):
    kube, kfp_stub = env
    kfp_stub.script = RunScript(outcome="FAILED")
    monkeypatch.delenv("KF_PIPELINES_TOKEN")
    monkeypatch.setenv("KF_PIPELINES_COOKIE", kfp_stub.cookie)
    monkeypatch.setenv("KF_PIPELINES_ENDPOINT", kfp_stub.url)  # kfp's own variable, no --host
    status, out, err = submit(
        capsys, IR, "-p", DATA, "--apply-rbac", "--wait", "--poll-seconds", "0"
    )
    assert status == 1
    assert out.rstrip().endswith(f"ended FAILED: {kfp_stub.script.error}")
    assert_no_secrets(kube, kfp_stub, out, err)


def test_preflight_failures_are_one_line_each_and_nothing_is_created(env, capsys):
    kube, kfp_stub = env
    kube.namespace_labels[NS] = {}
    status, out, err = submit(capsys, IR, "--host", kfp_stub.url)  # default data_uri: a local path
    assert status == 1
    fails = [line for line in out.splitlines() if line.startswith("  FAIL ")]
    assert len(fails) == 3, out  # local data, missing label, service account without RBAC
    assert any(
        f"kubectl label namespace {NS} katib.kubeflow.org/metrics-collector-injection=enabled" in f
        for f in fails
    )
    assert any("data_uri 'data/synthetic' is a path on this machine" in f for f in fails)
    assert any("(or rerun with --apply-rbac)" in f for f in fails)
    assert err == "ideko submit: error: preflight failed (3 problem(s)); nothing was created\n"
    assert not kfp_stub.requests() and not kube.rbac


def test_bad_input_exits_2(env, capsys, tmp_path, monkeypatch):
    _, kfp_stub = env
    status, _, err = submit(capsys, IR, "--host", kfp_stub.url, "-p", "epochs=3")
    assert status == 2 and "unknown pipeline parameter(s) epochs" in err
    other = tmp_path / "x.yaml"
    other.write_text("kind: Pod\n", encoding="utf-8")
    status, _, err = submit(capsys, other)
    assert status == 2 and err.count("\n") == 1 and "neither an ideko spec" in err
    monkeypatch.chdir(IR.parents[2])  # the golden messages name the spec from the root
    invalid = Path("tests/golden/errors/enum_values/spec.yaml")
    status, _, err = submit(capsys, invalid, "--host", kfp_stub.url)
    expected = (invalid.parent / "expected.txt").read_text(encoding="utf-8").splitlines()
    problems = [line for line in expected if ": invalid spec" not in line]
    assert status == 2 and err.splitlines()[: len(problems)] == problems
    assert err.splitlines()[-1].endswith(f"invalid spec ({len(problems)} problem(s))")
    status, _, err = submit(capsys, IR, "--host", kfp_stub.url, "--wait", "--timeout", "soon")
    assert status == 2 and "invalid duration 'soon'" in err
    assert not kfp_stub.requests()


def test_a_pipeline_without_tune_steps_needs_no_kubernetes(kfp_stub, monkeypatch, tmp_path):
    from ideko.cluster.package import PipelinePackage
    from ideko.cluster.submit import SubmitRequest, Submitter

    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "absent"))  # no cluster config at all
    text = IR.read_text(encoding="utf-8").replace("kubeflow.org/v1beta1", "example.org/v0")
    package = PipelinePackage(text=text, source="no-hpo.yaml")
    assert package.experiments == []
    lines = []
    request = SubmitRequest(
        package=package,
        arguments={"data_uri": "gs://bucket/raw"},
        overrides={"data_uri": "gs://bucket/raw"},
        host=kfp_stub.url,
        namespace=NS,
        dry_run=True,
    )
    status = Submitter(out=lines.append, environ={"KF_PIPELINES_TOKEN": kfp_stub.token}).submit(
        request
    )
    assert status == 0 and "  ok   no tune step: Katib is not needed" in lines


def test_single_user_kfp_gets_no_namespaces(env, capsys):
    _, kfp_stub = env
    kfp_stub.multi_user = False
    status, out, err = submit(capsys, IR, "--host", kfp_stub.url, "-p", DATA, "--apply-rbac")
    assert status == 0, err
    assert "KFP is single-user" in out
    [experiment] = kfp_stub.experiments.values()
    assert experiment["namespace"] == ""
    listed = kfp_stub.requests("GET", "/pipelines") + kfp_stub.requests("GET", "/experiments")
    assert listed and all("namespace" not in r.query for r in listed)


def test_no_kubernetes_configuration_is_one_failed_check(kfp_stub, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "absent"))
    monkeypatch.setenv("KF_PIPELINES_TOKEN", kfp_stub.token)
    status, out, _ = submit(capsys, IR, "--host", kfp_stub.url, "--namespace", NS, "-p", DATA)
    [line] = [line for line in out.splitlines() if line.startswith("  FAIL ")]
    assert status == 1 and "no Kubernetes configuration" in line and "--kube-context" in line
    assert not kfp_stub.requests()
