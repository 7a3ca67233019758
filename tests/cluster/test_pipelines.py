"""Upload, version reuse, experiments and runs through the real ``kfp.Client`` against the
KFP v2beta1 double; auth headers; creates retried through 5xx without duplicates."""

import pytest
from ideko.cluster.auth import KfpAuth, resolve_auth
from ideko.cluster.errors import SubmitError
from ideko.cluster.package import PipelinePackage
from ideko.cluster.pipelines import Pipelines, connect
from ideko.cluster.retry import Retry
from kfp_api_stub import Fault
from submit_cases import IR, NS

TEXT = IR.read_text(encoding="utf-8")
PACKAGE = PipelinePackage(text=TEXT, source="specs/ideko.yaml", spec_version="0.1.0")
NO_WAIT = Retry(attempts=4, base_seconds=0.0)


def pipelines(stub, auth=None, lines=None):
    client = connect(stub.url, NS, auth or KfpAuth("test", existing_token=stub.token))
    return Pipelines(client, NS, retry=NO_WAIT, log=(lines.append if lines is not None else None))


def submit(p, package=PACKAGE, experiment="exp", run_name="run 1", parameters=None):
    plan = p.plan(package, experiment)
    return plan, *p.start(package, plan, experiment, run_name, parameters or {}, None)


def test_first_submit_creates_pipeline_version_experiment_and_run(kfp_stub):
    plan, pipeline_id, version_id, run_id, link = submit(
        pipelines(kfp_stub), parameters={"data_uri": "s3://b/raw", "seed": 3}
    )
    assert (plan.pipeline_id, plan.version_id, plan.experiment_id) == (None, None, None)
    [pipeline] = kfp_stub.pipelines.values()
    assert (pipeline["display_name"], pipeline["namespace"]) == (PACKAGE.name, NS)
    [version] = kfp_stub.versions.values()
    assert version["display_name"] == PACKAGE.version_name == f"0.1.0-{PACKAGE.sha256[:12]}"
    assert version["_text"] == TEXT  # uploaded byte for byte
    assert PACKAGE.sha256 in version["description"]
    [experiment] = kfp_stub.experiments.values()
    assert (experiment["display_name"], experiment["namespace"]) == ("exp", NS)
    run = kfp_stub.runs[run_id]
    assert run["pipeline_version_reference"] == {
        "pipeline_id": pipeline_id,
        "pipeline_version_id": version_id,
    }
    assert run["runtime_config"]["parameters"] == {"data_uri": "s3://b/raw", "seed": 3}
    assert run["experiment_id"] == experiment["experiment_id"] and run["display_name"] == "run 1"
    assert link == f"{kfp_stub.url}/#/runs/details/{run_id}"


def test_resubmit_of_the_same_content_reuses_the_version(kfp_stub):
    p = pipelines(kfp_stub)
    _, _, first_version, first_run, _ = submit(p)
    plan, _, version_id, run_id, _ = submit(p, run_name="run 2")
    assert plan.version_id == first_version == version_id and run_id != first_run
    assert len(kfp_stub.versions) == 1 and len(kfp_stub.experiments) == 1
    assert len(kfp_stub.requests("POST", "upload_version")) == 1
    # The same content submitted as a bare pipeline.yaml is the same version too.
    ir_only = PipelinePackage(text=TEXT, source=str(IR))
    assert p.plan(ir_only, "exp").version_id == first_version


def test_changed_content_is_a_new_version_of_the_same_pipeline(kfp_stub):
    p = pipelines(kfp_stub)
    submit(p)
    changed = PipelinePackage(
        text=TEXT + "# epochs changed\n", source="specs/ideko.yaml", spec_version="0.1.1"
    )
    plan, *_ = submit(p, package=changed)
    assert plan.pipeline_id and not plan.version_id
    assert sorted(v["display_name"] for v in kfp_stub.versions.values()) == sorted(
        [PACKAGE.version_name, changed.version_name]
    )
    assert len(kfp_stub.pipelines) == 1


def test_5xx_then_recovers_without_duplicates(kfp_stub):
    lines = []
    kfp_stub.faults = [
        Fault(status=503, methods=("GET",), path_contains="/pipelines"),
        Fault(status=502, methods=("POST",), path_contains="upload_version", handled=True),
        Fault(status=500, methods=("POST",), path_contains="/runs", handled=True),
    ]
    *_, run_id, link = submit(pipelines(kfp_stub, lines=lines))
    assert len(kfp_stub.versions) == 1 and list(kfp_stub.runs) == [run_id]  # lost answers found
    assert len(lines) == 3 and all("retrying" in line for line in lines)
    assert link is None  # kfp printed no link for a run it did not see created


def test_an_error_answer_is_one_line_without_secrets(kfp_stub):
    kfp_stub.faults = [Fault(status=403, methods=("GET",))]
    with pytest.raises(SubmitError) as caught:
        pipelines(kfp_stub).plan(PACKAGE, "exp")
    message = str(caught.value)
    assert "\n" not in message and kfp_stub.token not in message
    looked_up = f"looking up pipeline {PACKAGE.name} failed"
    assert (
        message
        == f"KFP API at {kfp_stub.url}: {looked_up}: 403 Forbidden: Forbidden: injected fault"
    )


def test_wrong_token_is_401(kfp_stub):
    with pytest.raises(SubmitError) as caught:
        pipelines(kfp_stub, auth=KfpAuth("test", existing_token="wrong")).plan(PACKAGE, "exp")
    assert "401 Unauthorized: Unauthenticated" in str(caught.value) and "wrong" not in str(
        caught.value
    )


@pytest.mark.parametrize("how", ["token", "cookie", "service-account"])
def test_auth_headers(kfp_stub, tmp_path, how):
    environ = {}
    if how == "token":
        environ["KF_PIPELINES_TOKEN"] = kfp_stub.token
    elif how == "cookie":
        environ["KF_PIPELINES_COOKIE"] = kfp_stub.cookie
    else:
        token_file = tmp_path / "token"
        token_file.write_text(kfp_stub.token, encoding="utf-8")
        environ["KF_PIPELINES_SA_TOKEN_PATH"] = str(token_file)
    auth = resolve_auth(environ)
    assert kfp_stub.token not in repr(auth) and "cookie-secret" not in repr(auth)
    pipelines(kfp_stub, auth=auth).plan(PACKAGE, "exp")
    [first, *_] = kfp_stub.requests()
    if how == "cookie":
        assert first.headers["cookie"] == kfp_stub.cookie and "authorization" not in first.headers
    else:
        assert first.headers["authorization"] == f"Bearer {kfp_stub.token}"


def test_auth_order_and_fallback(tmp_path):
    both = {"KF_PIPELINES_TOKEN": "t", "KF_PIPELINES_COOKIE": "c=1"}
    assert resolve_auth(both).source == "bearer token from KF_PIPELINES_TOKEN"
    assert resolve_auth({"KF_PIPELINES_COOKIE": "c=1"}).client_kwargs() == {"cookies": "c=1"}
    nothing = resolve_auth({"KF_PIPELINES_SA_TOKEN_PATH": str(tmp_path / "absent")})
    assert nothing.client_kwargs() == {} and "kfp's defaults" in nothing.source
