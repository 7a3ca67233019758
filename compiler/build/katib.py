"""Build Katib ``Experiment`` manifests (kubeflow.org/v1beta1) for the models that declare HPO.

Pure: returns plain dicts in Katib's field order; ``render`` serialises them. The manifests
are built as dicts rather than through ``kubeflow_katib_api.models`` because importing that
package loads every Kubernetes model (~0.5 s per compile); the tests round-trip each
manifest through ``V1beta1Experiment`` and enforce Katib's admission-webhook rules instead.

The trial is a batch/v1 Job running ``python -m ideko.runtime.steps.train``. Its arguments
are a contract with the tune step, which rewrites ``--data-uri X --data-config Y`` into
``--train-data <artifact uri>`` at run time (see compiler/README.md).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from ideko.compiler.build.resources import effective_resources, k8s_resources
from ideko.compiler.load.spec_model import ArtifactStore, HpoParameter, Model, Spec, canonical_json
from ideko.schema import env as env_names
from ideko.schema import k8s_args
from ideko.schema.durations import parse_duration
from ideko.schema.names import experiment_name

API_VERSION = "kubeflow.org/v1beta1"
PRIMARY_CONTAINER = "training"
TRAIN_MODULE = "ideko.runtime.steps.train"
JOB_SUCCESS = 'status.conditions.#(type=="Complete")#|#(status=="True")#'
JOB_FAILURE = 'status.conditions.#(type=="Failed")#|#(status=="True")#'


def _number(value: float | int | None, integer: bool) -> str | None:
    if value is None:
        return None
    return str(int(value)) if integer else repr(float(value))


def _setting(value: object) -> str:
    """Katib settings are strings; booleans in Go/Python-neutral lower case."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _parameter(param: HpoParameter) -> dict[str, Any]:
    """One Katib ``ParameterSpec``; Katib wants every feasible-space value as a string."""
    if param.type in ("categorical", "discrete"):
        space: dict[str, Any] = {"list": [str(v) for v in param.values]}
    else:
        integer = param.type == "int"
        space = {"min": _number(param.min, integer), "max": _number(param.max, integer)}
        if param.step is not None:
            space["step"] = _number(param.step, integer)
        if param.distribution is not None:
            space["distribution"] = param.distribution
    return {"name": param.name, "parameterType": param.type, "feasibleSpace": space}


def trial_args(spec: Spec, model: Model) -> list[str]:
    """Arguments of the trial's train entry point, one ``--set`` per searched parameter.

    Every argument is escaped for Kubernetes' ``$(VAR)`` expansion (``ideko.schema.k8s_args``):
    the container defines the artifact store's secret keys as variables, so a spec string
    like ``$(AWS_SECRET_ACCESS_KEY)`` must reach the trial as written, not as the secret.
    """
    assert model.hpo is not None
    args = [
        "--model-config",
        canonical_json(model.config()),
        "--data-uri",
        spec.data.source.location(),
        "--data-config",
        canonical_json(spec.data_config()),
        "--seed",
        str(spec.data.split.seed),
    ]
    if spec.data.source.ref():  # a versioned source: trials read the spec's ref
        args[4:4] = ["--data-ref", spec.data.source.ref()]
    if model.hpo.weights is not None:
        args += ["--score-weights", canonical_json(asdict(model.hpo.weights))]
    for param in model.hpo.parameters:
        args += ["--set", f"{param.target}=${{trialParameters.{param.name}}}"]
    return [k8s_args.escape(arg) for arg in args]


def artifact_store_env(store: ArtifactStore) -> list[dict[str, Any]]:
    """The trial container's environment for reading the dataset URI the tune step hands it.

    In the pipeline a trial gets the preprocessed dataset's artifact URI (minio://…, s3://…)
    and reads it itself (``ideko.runtime.objectstore``): ``MINIO_ENDPOINT`` (bare host:port
    for HTTP, an https:// URL when secure), ``AWS_REGION`` when set, and the keys from the
    secret as optional references, so a trial reading a local or mounted path starts without
    it. Kubeflow's defaults give exactly the environment KFP's own MinIO needs.
    """
    env: list[dict[str, Any]] = []
    endpoint = store.endpoint_value()
    if endpoint is not None:
        env.append({"name": env_names.MINIO_ENDPOINT, "value": endpoint})
    if store.region is not None:
        env.append({"name": env_names.AWS_REGION, "value": store.region})
    if store.secret is not None:
        for name, key in (
            (env_names.AWS_ACCESS_KEY_ID, store.access_key_field),
            (env_names.AWS_SECRET_ACCESS_KEY, store.secret_key_field),
        ):
            ref = {"name": store.secret, "key": key, "optional": True}
            env.append({"name": name, "valueFrom": {"secretKeyRef": ref}})
    return env


def _trial_job(spec: Spec, model: Model) -> dict[str, Any]:
    container: dict[str, Any] = {
        "name": PRIMARY_CONTAINER,
        "image": spec.image,
        "command": ["python", "-m", TRAIN_MODULE],
        "args": trial_args(spec, model),
    }
    env = artifact_store_env(spec.artifact_store)
    if env:
        container["env"] = env
    resources = k8s_resources(effective_resources(spec, "train", model))
    if resources:
        container["resources"] = resources
    job_spec: dict[str, Any] = {"backoffLimit": 0}
    timeout = spec.execution.steps["train"].timeout
    if timeout:  # a trial may run as long as one train step
        job_spec["activeDeadlineSeconds"] = int(parse_duration(timeout))
    pod_spec: dict[str, Any] = {"restartPolicy": "Never"}
    if spec.artifact_store.service_account is not None:
        pod_spec["serviceAccountName"] = spec.artifact_store.service_account
    pod_spec["containers"] = [container]
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "spec": {
            **job_spec,
            "template": {
                "metadata": {"annotations": {"sidecar.istio.io/inject": "false"}},
                "spec": pod_spec,
            },
        },
    }


def build_experiment(spec: Spec, model: Model) -> dict[str, Any]:
    """The Katib Experiment for one model with ``hpo``."""
    hpo = model.hpo
    if hpo is None:
        raise ValueError(f"model {model.name!r} declares no hpo")
    objective: dict[str, Any] = {"type": hpo.objective.type}
    if hpo.objective.goal is not None:
        objective["goal"] = hpo.objective.goal
    objective["objectiveMetricName"] = hpo.objective.metric
    additional = [m for m in hpo.additional_metrics if m != hpo.objective.metric]
    if additional:
        objective["additionalMetricNames"] = additional
    # The train entry point prints per-epoch lines and then the final values last; Katib's
    # default strategy (max/min by objective type, for every metric) would pick an early
    # epoch's score or the worst training_time, so every metric is read as `latest`.
    objective["metricStrategies"] = [
        {"name": metric, "value": "latest"} for metric in (hpo.objective.metric, *additional)
    ]
    algorithm: dict[str, Any] = {"algorithmName": hpo.algorithm}
    if hpo.algorithm_settings:
        algorithm["algorithmSettings"] = [
            {"name": k, "value": _setting(v)} for k, v in hpo.algorithm_settings
        ]
    experiment_spec: dict[str, Any] = {"algorithm": algorithm}
    if hpo.early_stopping is not None:
        stop = hpo.early_stopping
        experiment_spec["earlyStopping"] = {
            "algorithmName": stop.algorithm,
            "algorithmSettings": [
                {"name": "min_trials_required", "value": str(stop.min_trials_required)},
                {"name": "start_step", "value": str(stop.start_step)},
            ],
        }
    experiment_spec.update(
        {
            "maxFailedTrialCount": hpo.max_failed_trials,
            "maxTrialCount": hpo.max_trials,
            "metricsCollectorSpec": {"collector": {"kind": "StdOut"}},
            "objective": objective,
            "parallelTrialCount": hpo.parallel_trials,
            "parameters": [_parameter(p) for p in hpo.parameters],
            "resumePolicy": "Never",
            "trialTemplate": {
                "failureCondition": JOB_FAILURE,
                "primaryContainerName": PRIMARY_CONTAINER,
                "successCondition": JOB_SUCCESS,
                "trialParameters": [
                    {
                        "name": p.name,
                        "reference": p.name,
                        "description": f"{model.key} {p.target}",
                    }
                    for p in hpo.parameters
                ],
                "trialSpec": _trial_job(spec, model),
            },
        }
    )
    return {
        "apiVersion": API_VERSION,
        "kind": "Experiment",
        "metadata": {
            "name": experiment_name(spec.metadata.name, model.name),
            "labels": {
                "app.kubernetes.io/managed-by": "ideko",
                "ideko.dev/model": model.name,
                "ideko.dev/pipeline": spec.metadata.name,
            },
        },
        "spec": experiment_spec,
    }


def build_katib(spec: Spec) -> dict[str, dict[str, Any]]:
    """``{model name: Experiment}`` for every enabled model with ``hpo``, in spec order."""
    return {m.name: build_experiment(spec, m) for m in spec.enabled_models if m.hpo is not None}
