"""Katib Experiment builder: content, names, and agreement with kubeflow-katib-api's models."""

from __future__ import annotations

import json
from dataclasses import replace

import build_specs
import pytest
from ideko.compiler.build.katib import build_katib, trial_args
from ideko.compiler.build.rbac import build_rbac
from ideko.schema.names import MAX_EXPERIMENT_NAME, experiment_name
from kubeflow_katib_api.models import V1beta1Experiment


def _prune(node):
    """Drop None values the way Katib's API object serialises (exclude_none)."""
    if isinstance(node, dict):
        return {k: _prune(v) for k, v in node.items() if v is not None}
    if isinstance(node, list):
        return [_prune(v) for v in node]
    return node


@pytest.mark.parametrize("case", sorted(build_specs.ALL))
def test_manifests_round_trip_through_katib_models(case):
    for manifest in build_katib(build_specs.ALL[case]()).values():
        model = V1beta1Experiment.from_dict(manifest)
        # Unknown or misspelt fields would be dropped by the model and fail this comparison.
        dumped = _prune(model.model_dump(by_alias=True, exclude_none=True))
        assert dumped == _prune(manifest)


def test_one_experiment_per_enabled_model_with_hpo():
    spec = build_specs.hpo_heavy()
    assert list(build_katib(spec)) == ["lstm", "cnn", "gru-large"]
    assert build_katib(build_specs.small()) == {}
    disabled = replace(spec, models=tuple(replace(m, enabled=m.name != "cnn") for m in spec.models))
    assert list(build_katib(disabled)) == ["lstm", "gru-large"]


def test_full_experiment_fields():
    exp = build_katib(build_specs.full())["lstm"]
    spec = exp["spec"]
    assert exp["metadata"]["name"] == "ideko-anomaly-classification-lstm"
    assert "namespace" not in exp["metadata"]
    assert spec["algorithm"] == {"algorithmName": "tpe"}
    assert spec["objective"] == {
        "type": "maximize",
        "goal": 0.99,
        "objectiveMetricName": "score",
        "additionalMetricNames": ["validation_accuracy", "training_time"],
        "metricStrategies": [
            {"name": "score", "value": "latest"},
            {"name": "validation_accuracy", "value": "latest"},
            {"name": "training_time", "value": "latest"},
        ],
    }
    assert (spec["maxTrialCount"], spec["parallelTrialCount"], spec["maxFailedTrialCount"]) == (
        8,
        2,
        3,
    )
    assert spec["metricsCollectorSpec"] == {"collector": {"kind": "StdOut"}}
    assert spec["earlyStopping"]["algorithmName"] == "medianstop"
    assert {s["name"]: s["value"] for s in spec["earlyStopping"]["algorithmSettings"]} == {
        "min_trials_required": "3",
        "start_step": "2",
    }
    params = {p["name"]: p for p in spec["parameters"]}
    assert params["learning_rate"] == {
        "name": "learning_rate",
        "parameterType": "double",
        "feasibleSpace": {"min": "0.0005", "max": "0.01", "distribution": "logUniform"},
    }
    assert params["hidden_units_0"]["feasibleSpace"] == {"min": "16", "max": "64", "step": "16"}
    assert params["batch_size"]["feasibleSpace"] == {"list": ["16", "32", "64"]}
    template = spec["trialTemplate"]
    assert template["primaryContainerName"] == "training"
    job = template["trialSpec"]
    assert (job["apiVersion"], job["kind"]) == ("batch/v1", "Job")
    pod = job["spec"]["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    container = pod["containers"][0]
    assert container["image"] == "ghcr.io/ideko/ideko-runtime:0.1.0"
    assert container["command"] == ["python", "-m", "ideko.runtime.steps.train"]
    # The LSTM's own resources override the train step's, field by field.
    assert container["resources"] == {
        "requests": {"cpu": "1", "memory": "2Gi"},
        "limits": {"cpu": "2", "memory": "4Gi"},
    }


def test_trial_args_shape_is_the_tune_step_contract():
    spec = build_specs.full()
    lstm = spec.models[-1]
    args = trial_args(spec, lstm)
    pairs = dict(zip(args[0:10:2], args[1:10:2], strict=True))
    assert list(pairs) == [
        "--model-config",
        "--data-uri",
        "--data-config",
        "--seed",
        "--score-weights",
    ]
    assert json.loads(pairs["--model-config"]) == lstm.config()
    assert pairs["--data-uri"] == "data/synthetic"
    assert json.loads(pairs["--data-config"]) == spec.data_config()
    assert pairs["--seed"] == "2"
    assert json.loads(pairs["--score-weights"])["validation_accuracy"] == 0.9
    assert args[10:] == [
        "--set",
        "training_parameters.learning_rate=${trialParameters.learning_rate}",
        "--set",
        "model_parameters.hidden_units.0=${trialParameters.hidden_units_0}",
        "--set",
        "training_parameters.batch_size=${trialParameters.batch_size}",
    ]


def test_no_score_weights_flag_without_weights():
    spec = build_specs.hpo_heavy()
    assert "--score-weights" not in trial_args(spec, spec.models[1])


def test_algorithm_settings_and_discrete_space():
    cnn = build_katib(build_specs.hpo_heavy())["cnn"]["spec"]
    assert cnn["algorithm"]["algorithmSettings"] == [{"name": "random_state", "value": "7"}]
    assert cnn["parameters"][0]["parameterType"] == "discrete"
    assert cnn["parameters"][0]["feasibleSpace"] == {"list": ["3", "5", "7"]}
    assert "earlyStopping" not in build_katib(build_specs.hpo_heavy())["gru-large"]["spec"]


def test_experiments_are_named_by_the_one_rule():
    """``<pipeline>-<model>``; a name too long for Katib is cut and hashed (ideko.schema.names)."""
    long = replace(build_specs.hpo_heavy(), metadata=replace(
        build_specs.hpo_heavy().metadata, name="a-very-long-pipeline-name-for-anomalies"))
    for spec in (build_specs.hpo_heavy(), long):
        for model, experiment in build_katib(spec).items():
            name = experiment["metadata"]["name"]
            assert name == experiment_name(spec.metadata.name, model)
            assert len(name) <= MAX_EXPERIMENT_NAME
    assert build_katib(build_specs.hpo_heavy())["gru-large"]["metadata"]["name"] == (
        "hpo-heavy-gru-large"
    )


def test_rbac_lets_pipeline_runner_manage_experiments():
    role, binding = build_rbac(build_specs.full())
    assert role["kind"] == "Role" and binding["kind"] == "RoleBinding"
    rule = role["rules"][0]
    assert rule["apiGroups"] == ["kubeflow.org"] and rule["resources"] == ["experiments"]
    assert {"create", "get", "watch", "delete"} <= set(rule["verbs"])
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "pipeline-runner"}]
    assert binding["roleRef"]["name"] == role["metadata"]["name"]


def test_round_trip_comparison_catches_unknown_fields():
    manifest = build_katib(build_specs.full())["lstm"]
    manifest["spec"]["trialTemplate"]["primaryContainer"] = "training"  # typo'd field
    dumped = _prune(
        V1beta1Experiment.from_dict(manifest).model_dump(by_alias=True, exclude_none=True)
    )
    assert dumped != _prune(manifest)


def test_trial_job_deadline_is_the_train_timeout():
    job = build_katib(build_specs.full())["lstm"]["spec"]["trialTemplate"]["trialSpec"]
    assert job["spec"]["activeDeadlineSeconds"] == 7200  # train: 2h
    assert job["spec"]["backoffLimit"] == 0
    plain = build_katib(build_specs.hpo_heavy())["lstm"]["spec"]["trialTemplate"]["trialSpec"]
    assert "activeDeadlineSeconds" not in plain["spec"]  # no timeout declared


def test_trials_get_the_artifact_store_credentials_kfp_uses():
    exp = build_katib(build_specs.full())["lstm"]
    job = exp["spec"]["trialTemplate"]["trialSpec"]
    (container,) = job["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e for e in container["env"]}
    assert env["MINIO_ENDPOINT"]["value"] == "minio-service.kubeflow:9000"
    for name, key in (("AWS_ACCESS_KEY_ID", "accesskey"), ("AWS_SECRET_ACCESS_KEY", "secretkey")):
        ref = env[name]["valueFrom"]["secretKeyRef"]
        assert ref == {"name": "mlpipeline-minio-artifact", "key": key, "optional": True}
