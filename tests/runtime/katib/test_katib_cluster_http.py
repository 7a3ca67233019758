"""The cluster backend through the real ``kubernetes`` client against a local HTTP API server.

``katib_api_stub`` plays the Kubernetes API for ``kubeflow.org/v1beta1`` Experiments (and
Katib moving them along); these tests check what the client actually sends (paths, body,
auth header) and what the backend makes of real error answers and broken connections.
"""

import copy
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from ideko.compiler import layout as compiler_write
from ideko.runtime.katib import api as katib_api
from ideko.runtime.katib import cluster as katib_backend
from ideko.runtime.katib.cluster import CREATION_ANNOTATION, run_on_cluster, unique_name
from ideko.runtime.katib.errors import TuneError
from ideko.runtime.steps import tune
from katib_api_stub import PREFIX, Fault, KatibApiStub, Script
from kubernetes import client
from kubernetes.config import kube_config

ROOT = Path(__file__).resolve().parents[3]
PIPELINE = "ideko-anomaly-classification"
LSTM = ROOT / "generated" / PIPELINE / "katib" / "lstm.yaml"
DATA = "s3://mlpipeline/v2/artifacts/run-7/preprocess/train_data"
NS = "team-a"
RUNNER = f"system:serviceaccount:{NS}:pipeline-runner"
COLLECTION = f"{PREFIX}{NS}/experiments"


@pytest.fixture
def stub():
    with KatibApiStub() as server:
        yield server


@pytest.fixture
def api(stub):
    with stub.kubernetes_client() as api_client:
        yield client.CustomObjectsApi(api_client)


@pytest.fixture
def lines():
    return []


def lstm_manifest():
    return yaml.safe_load(LSTM.read_text(encoding="utf-8"))


def run(api, lines, **kwargs):
    kwargs.setdefault("timeout_seconds", 5)
    kwargs.setdefault("manifest", lstm_manifest())
    return run_on_cluster(
        data_uri=DATA,
        api=api,
        namespace=NS,
        run_id="run-7",
        poll_seconds=0.01,
        log=lines.append,
        **kwargs,
    )


def failure(api, lines, **kwargs):
    with pytest.raises(TuneError) as caught:
        run(api, lines, **kwargs)
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message
    return message


def container(body):
    spec = body["spec"]["trialTemplate"]["trialSpec"]["spec"]["template"]["spec"]
    return spec["containers"][0]


def test_create_poll_and_read_optimal_trial_over_http(stub, api, lines):
    manifest = lstm_manifest()
    pristine = copy.deepcopy(manifest)
    outcome = run(api, lines, manifest=manifest)

    (post,) = stub.requests("POST")
    assert post.path == COLLECTION
    assert post.headers["authorization"] == "Bearer test-token"
    assert post.headers["content-type"] == "application/json"
    meta = post.body["metadata"]
    assert meta["name"] == unique_name(pristine["metadata"]["name"], "run-7") == outcome.name
    assert len(meta["name"]) == 40 and meta["name"].startswith("ideko-anomaly-classification-ls")
    assert meta["namespace"] == NS and meta["labels"] == pristine["metadata"]["labels"]
    assert len(meta["annotations"][CREATION_ANNOTATION]) == 32
    args = container(post.body)["args"]
    assert "--data-uri" not in args and "data/synthetic" not in args
    assert args[args.index("--train-data") + 1] == DATA
    old = container(pristine)["args"]
    i = old.index("--data-uri")
    assert args[: len(old) - 2] == old[:i] + old[i + 2 :]  # everything else kept, in order
    assert post.body["spec"]["parameters"] == pristine["spec"]["parameters"]
    assert manifest == pristine  # the caller's manifest is not modified

    gets = stub.requests("GET")
    assert [g.path for g in gets] == [f"{COLLECTION}/{outcome.name}"] * 3
    assert all(g.headers["authorization"] == "Bearer test-token" for g in gets)
    assert outcome.namespace == NS
    assert outcome.assignments == {
        "learning_rate": "0.0031",
        "hidden_units_0": "48",
        "batch_size": "16",
    }
    assert outcome.metrics["score"] == {"min": "0.41", "max": "0.87", "latest": "0.87"}
    assert outcome.experiment["status"]["conditions"][-1]["type"] == "Succeeded"
    assert any("Running (ExperimentRunning" in line for line in lines)


def test_failed_experiment_reports_katib_condition(stub, api, lines):
    stub.script = Script(
        outcome="Failed",
        reason="ExperimentMaxFailedTrialsReached",
        message="Experiment has failed because max failed count has reached",
    )
    message = failure(api, lines)
    assert message.startswith(f"Katib Experiment {NS}/ideko-anomaly-classification-ls")
    assert message.endswith(
        "failed: ExperimentMaxFailedTrialsReached: "
        "Experiment has failed because max failed count has reached"
    )


def test_katib_not_installed(stub, api, lines):
    stub.crd_installed = False
    message = failure(api, lines)
    assert "Katib's Experiment CRD (kubeflow.org/v1beta1) is not installed in the cluster" in (
        message
    )
    assert "404 NotFound: the server could not find the requested resource" in message
    assert len(stub.requests()) == 1  # not retried


@pytest.mark.parametrize("verb", ["create", "get"])
def test_missing_rbac_names_the_account_and_the_compiled_role(stub, api, lines, verb):
    stub.forbidden = {verb: RUNNER}
    message = failure(api, lines)
    rbac = f"generated/{PIPELINE}/katib/rbac.yaml"
    assert message.startswith(
        f"service account pipeline-runner (namespace {NS}) may not {verb} Katib Experiments"
    )
    assert f"kubectl apply -n {NS} -f {rbac}" in message
    assert f"Role and RoleBinding {PIPELINE}-katib" in message
    # the file and the names the message points at are the ones the compiler writes
    documents = list(yaml.safe_load_all((ROOT / rbac).read_text(encoding="utf-8")))
    assert [(d["kind"], d["metadata"]["name"]) for d in documents] == [
        ("Role", f"{PIPELINE}-katib"),
        ("RoleBinding", f"{PIPELINE}-katib"),
    ]
    assert documents[1]["subjects"][0]["name"] == katib_api.RBAC_SUBJECT
    assert katib_api.RBAC_PATH == (
        f"generated/{{pipeline}}/{compiler_write.KATIB_DIR}/{compiler_write.RBAC_FILE}"
    )


def test_forbidden_without_a_known_account_still_points_at_the_role(stub, api, lines):
    stub.forbidden = {"create": "alice@example.com"}
    message = failure(api, lines)
    assert message.startswith("the tune step's service account may not create")


def test_webhook_rejection_is_not_taken_for_rbac(stub, api, lines):
    stub.webhook_denial = "spec.parallelTrialCount must be less than spec.maxTrialCount"
    message = failure(api, lines)
    assert message.startswith(f"Katib rejected Experiment {NS}/ideko-anomaly-classification-ls")
    assert 'admission webhook "validator.experiment.katib.kubeflow.org" denied the request' in (
        message
    )
    assert "RoleBinding" not in message


def test_bad_token(stub, api, lines):
    stub.token = "another-token"
    message = failure(api, lines)
    assert "rejected the step's credentials (401 Unauthorized" in message


def test_missing_namespace(stub, api, lines):
    stub.namespaces = {"kubeflow"}
    assert f"namespace {NS} does not exist" in failure(api, lines)


def test_experiment_deleted_while_waiting(stub, api, lines):
    stub.script = Script(finish_after=None, deleted_after=2)
    message = failure(api, lines)
    assert message.startswith(f"Katib Experiment {NS}/")
    assert "was deleted while the tune step waited for it (404 NotFound" in message


def test_name_conflict_retries_once_with_a_fresh_name(stub, api, lines):
    taken = unique_name(lstm_manifest()["metadata"]["name"], "run-7")
    stub.objects[(NS, taken)] = {"kind": "Experiment", "metadata": {"name": taken}}
    outcome = run(api, lines)
    first, second = stub.requests("POST")
    assert first.body["metadata"]["name"] == taken
    assert second.body["metadata"]["name"] == outcome.name != taken
    assert len(outcome.name) == 40 and outcome.name.startswith("ideko-anomaly-classification-ls")
    assert f"{NS}/{taken} already exists; creating {outcome.name} instead" in lines[0]


def test_second_name_conflict_is_an_error(stub, api, lines):
    stub.faults = [Fault(409, methods=("POST",)), Fault(409, methods=("POST",))]
    message = failure(api, lines)
    assert "both exist already (409 Conflict: injected fault)" in message
    assert len(stub.requests("POST")) == 2


def test_transient_errors_while_polling_are_retried(stub, api, lines):
    # urllib3 itself retries a dropped GET 3 times; 4 drops reach the backend as one failure
    get = ("GET",)
    stub.faults = [
        Fault(503, methods=get),
        *[Fault(0, methods=get)] * 4,
        Fault(500, methods=get),
        Fault(429, methods=get),
    ]
    outcome = run(api, lines)
    assert outcome.assignments["batch_size"] == "16"
    retried = [line for line in lines if line.startswith("reading Katib Experiment")]
    assert len(retried) == 4
    assert "(503 ServiceUnavailable: injected fault); retrying" in retried[0]
    assert "MaxRetryError" in retried[1] or "ProtocolError" in retried[1]


def test_transient_errors_while_creating_are_retried(stub, api, lines):
    stub.faults = [Fault(502, methods=("POST",)), Fault(0, methods=("POST",))]
    outcome = run(api, lines)
    posts = stub.requests("POST")
    assert len(posts) == 3 and len({p.body["metadata"]["name"] for p in posts}) == 1
    assert outcome.name == posts[0].body["metadata"]["name"]


def test_a_create_whose_answer_was_lost_is_adopted(stub, api, lines, monkeypatch):
    monkeypatch.setattr(katib_api, "REQUEST_TIMEOUT_SECONDS", 0.3)
    stub.faults = [Fault(delay=0.6, methods=("POST",))]  # created, answered too late
    outcome = run(api, lines)
    posts = stub.requests("POST")
    assert len(posts) == 2 and len(stub.objects) == 1
    assert outcome.name == posts[0].body["metadata"]["name"] == posts[1].body["metadata"]["name"]
    assert "timed out" in lines[0].lower()


def test_an_api_server_down_through_the_deadline_is_a_timeout(stub, api, lines):
    stub.script = Script(finish_after=None)
    stub.faults = [Fault(503, methods=("GET",))] * 1000
    message = failure(api, lines, timeout_seconds=0.4)
    assert "did not finish within 0.4s" in message
    assert "last API error: 503 ServiceUnavailable: injected fault" in message


def test_timeout_leaves_the_experiment_running_by_default(stub, api, lines):
    stub.script = Script(finish_after=None)
    message = failure(api, lines, timeout_seconds=0.3)
    name = stub.requests("POST")[0].body["metadata"]["name"]
    assert f"Katib Experiment {NS}/{name} did not finish within 0.3s" in message
    assert "last seen: Running (ExperimentRunning: Experiment is running), trials: 2 running" in (
        message
    )
    assert f"left running for inspection: kubectl -n {NS} get experiment {name}" in message
    assert not stub.requests("DELETE") and (NS, name) in stub.objects


def test_timeout_can_delete_the_experiment(stub, api, lines):
    stub.script = Script(finish_after=None)
    message = failure(api, lines, timeout_seconds=0.3, delete_on_timeout=True)
    (delete,) = stub.requests("DELETE")
    name = stub.requests("POST")[0].body["metadata"]["name"]
    assert delete.path == f"{COLLECTION}/{name}"
    assert delete.headers["authorization"] == "Bearer test-token"
    assert message.endswith("; deleted)") and not stub.objects


def test_timeout_delete_refused_says_how_to_clean_up(stub, api, lines):
    stub.script = Script(finish_after=None)
    stub.forbidden = {"delete": RUNNER}
    message = failure(api, lines, timeout_seconds=0.3, delete_on_timeout=True)
    name = stub.requests("POST")[0].body["metadata"]["name"]
    assert "deleting it failed (403 Forbidden" in message
    assert message.endswith(f"kubectl -n {NS} delete experiment {name})")
    assert (NS, name) in stub.objects


def test_default_api_from_kubeconfig(stub, lines, tmp_path, monkeypatch):
    kubeconfig = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "stub", "cluster": {"server": stub.url}}],
        "users": [{"name": "runner", "user": {"token": stub.token}}],
        "contexts": [{"name": "stub", "context": {"cluster": "stub", "user": "runner"}}],
        "current-context": "stub",
    }
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(kubeconfig), encoding="utf-8")
    # the client reads $KUBECONFIG once, at import: point its default location here instead
    monkeypatch.setattr(kube_config, "KUBE_CONFIG_DEFAULT_LOCATION", str(path))
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    # load_kube_config installs a process-wide default Configuration: restore it afterwards
    monkeypatch.setattr(client.Configuration, "_default", client.Configuration._default)
    outcome = run(None, lines)
    assert outcome.name == stub.requests("POST")[0].body["metadata"]["name"]
    assert {r.headers["authorization"] for r in stub.requests()} == {"Bearer test-token"}


def test_unreachable_api_server_at_creation(lines, monkeypatch):
    server = KatibApiStub().start()
    url = server.url
    server.stop()  # nothing listens on the port any more
    configuration = client.Configuration()
    configuration.host = url
    configuration.retries = False
    api_client = client.ApiClient(configuration)
    monkeypatch.setattr(katib_backend, "CREATE_RETRY_SECONDS", 0.2)
    try:
        message = failure(client.CustomObjectsApi(api_client), lines)
    finally:
        api_client.close()
    assert message.startswith(f"cannot create Katib Experiment {NS}/")
    assert f"the Kubernetes API at {url} kept failing" in message


def tune_step(api, tmp_path):
    manifest_text = LSTM.read_text(encoding="utf-8")
    args = container(yaml.safe_load(manifest_text))["args"]
    train = SimpleNamespace(path=str(tmp_path / "train"), uri=DATA, metadata={})
    result = SimpleNamespace(path=str(tmp_path / "tuning"), uri="", metadata={})
    out = tune.component(
        model_config=args[args.index("--model-config") + 1],
        experiment=manifest_text,
        train_data=train,
        backend="katib",
        tuning_result=result,
        katib_api=api,
        poll_seconds=0.01,
        timeout_seconds=5,
    )
    return out, result


def test_tune_step_over_http(stub, api, tmp_path):
    out, result = tune_step(api, tmp_path)
    assert json.loads(out["best_parameters"]) == {
        "model_parameters.hidden_units.0": 48,
        "training_parameters.batch_size": 16,
        "training_parameters.learning_rate": 0.0031,
    }
    assert out["best_objective"] == 0.87  # score, strategy latest
    args = container(stub.requests("POST")[0].body)["args"]
    assert args[args.index("--train-data") + 1] == DATA
    assert result.metadata["backend"] == "katib"


def test_tune_step_fails_with_one_line_when_katib_is_missing(stub, api, tmp_path):
    stub.crd_installed = False
    with pytest.raises(TuneError, match=r"^Katib's Experiment CRD \(kubeflow.org/v1beta1\) is"):
        tune_step(api, tmp_path)


def test_answers_without_a_status_body():
    ssl = client.ApiException(status=0, reason="SSLError: certificate verify failed")
    assert katib_api.is_api_error(ssl) and not katib_api.is_transient(ssl)
    error = katib_api.explain(ssl, verb="create", namespace=NS, name="x", manifest={})
    assert str(error) == (
        f"cannot create Katib Experiment {NS}/x: "
        "Kubernetes API error 0 SSLError: certificate verify failed"
    )
    gateway = client.ApiException(status=502, reason="Bad Gateway")
    gateway.body = b"<html>upstream gone</html>"
    assert katib_api.is_transient(gateway)
    assert katib_api.describe(gateway) == "502 Bad Gateway: <html>upstream gone</html>"


def test_a_bug_is_not_dressed_up_as_a_cluster_error(lines):
    class Broken:
        def create_namespaced_custom_object(self, group, version, namespace, plural, body):
            raise TypeError("not JSON serialisable")

    with pytest.raises(TypeError, match="not JSON serialisable"):
        run(Broken(), lines)
