"""The cluster backend against a fake CustomObjectsApi (create/get with canned statuses)."""

import pytest
from hpo_helpers import manifest
from ideko.runtime.katib.cluster import prepare_manifest, run_on_cluster, unique_name
from ideko.runtime.katib.errors import TuneError


class FakeApi:
    """Records the created body; each get returns the next canned status."""

    def __init__(self, statuses):
        self.statuses = list(statuses)
        self.created = None
        self.gets = 0

    def create_namespaced_custom_object(self, group, version, namespace, plural, body):
        assert (group, version, plural) == ("kubeflow.org", "v1beta1", "experiments")
        self.created = (namespace, body)
        return body

    def get_namespaced_custom_object(self, group, version, namespace, plural, name):
        assert name == self.created[1]["metadata"]["name"]
        self.gets += 1
        status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        return {**self.created[1], "status": status}


RUNNING = {"conditions": [{"type": "Running", "status": "True", "reason": "ExperimentRunning"}]}
SUCCEEDED = {
    "conditions": [
        {"type": "Running", "status": "False"},
        {
            "type": "Succeeded",
            "status": "True",
            "reason": "ExperimentMaxTrialsReached",
            "message": "done",
        },
    ],
    "currentOptimalTrial": {
        "bestTrialName": "exp-abc",
        "parameterAssignments": [{"name": "q", "value": "0.7"}],
        "observation": {
            "metrics": [{"name": "accuracy", "min": "0.2", "max": "0.7", "latest": "0.7"}]
        },
    },
}
FAILED = {
    "conditions": [
        {
            "type": "Failed",
            "status": "True",
            "reason": "ExperimentMaxFailedTrialsReached",
            "message": "Experiment has failed because max failed count has reached",
        }
    ]
}
DATA_ARGS = ["--quality", "${trialParameters.q}", "--data-uri", "data/raw", "--data-config", "{}"]


def run(api, **kwargs):
    kwargs.setdefault("timeout_seconds", 100)
    return run_on_cluster(
        manifest(args=DATA_ARGS),
        data_uri="s3://bucket/run-1/train_data",
        api=api,
        namespace="team-a",
        run_id="run-1",
        poll_seconds=5,
        sleep=lambda s: None,
        **kwargs,
    )


def test_creates_unique_experiment_with_injected_data_and_reads_optimal_trial():
    api = FakeApi([RUNNING, RUNNING, SUCCEEDED])
    outcome = run(api)
    namespace, body = api.created
    assert namespace == "team-a" and body["metadata"]["namespace"] == "team-a"
    assert body["metadata"]["name"] == unique_name("fake-exp", "run-1") == outcome.name
    assert body["metadata"]["name"].startswith("fake-exp-") and len(body["metadata"]["name"]) <= 40
    args = body["spec"]["trialTemplate"]["trialSpec"]["spec"]["template"]["spec"]["containers"][0][
        "args"
    ]
    assert args == [
        "--quality",
        "${trialParameters.q}",
        "--data-config",
        "{}",
        "--train-data",
        "s3://bucket/run-1/train_data",
    ]
    assert outcome.assignments == {"q": "0.7"}
    assert outcome.metrics["accuracy"]["max"] == "0.7"
    assert api.gets == 3


def test_failed_experiment_raises_katib_condition_message():
    with pytest.raises(
        TuneError,
        match="ExperimentMaxFailedTrialsReached: Experiment has failed because max failed",
    ):
        run(FakeApi([RUNNING, FAILED]))


def test_timeout():
    ticks = iter(range(0, 1000, 30))
    with pytest.raises(TuneError, match="did not finish within 100s"):
        run(FakeApi([RUNNING]), clock=lambda: next(ticks))


def test_succeeded_without_optimal_trial_is_an_error():
    empty = {"conditions": SUCCEEDED["conditions"], "currentOptimalTrial": {"bestTrialName": ""}}
    with pytest.raises(TuneError, match="reports no optimal trial"):
        run(FakeApi([empty]))


def test_prepare_manifest_leaves_the_input_alone():
    original = manifest(args=DATA_ARGS)
    body = prepare_manifest(original, name="x-1", namespace="ns", data_uri="/p")
    assert original["metadata"]["name"] == "fake-exp"
    assert body["metadata"] == {"name": "x-1", "namespace": "ns"}
    assert unique_name("a" * 60, "r").__len__() == 40
    assert unique_name("exp", "r") == unique_name("exp", "r") != unique_name("exp", "s")
