"""``build_inference_service(spec)``: the KServe InferenceService that serves the champion.

One ``serving.kserve.io/v1beta1`` InferenceService per pipeline, namespace omitted (chosen
at apply time, like the Katib Experiments). Its predictor is a custom container running the
generic runtime image's model server, ``python -m ideko.runtime.serving NAME@champion
--registry-uri URI`` (plus ``--registry-backend B`` for a non-default backend): KServe's
own ``ModelServer`` with the ideko model class, answering Open Inference Protocol v2 and v1
on port 8080.

**The alias is resolved when the predictor starts, not written as a storageUri.** The
compiler runs before any model exists, and generated/ is deterministic and reviewed, so a
concrete version (a storageUri) cannot be known here; KServe's storage initializer would
also copy the files without the package checksums the model server verifies. Resolving
``NAME@champion`` at start-up means a promotion reaches the cluster with a rollout restart
(or the model repository's ``load`` call), and a registry that cannot be reached, an alias
that points nowhere or a damaged package keeps the new pod unready while the previous one
keeps serving. The price: the manifest alone does not say which version runs; the server
logs it and returns it as ``model_version`` in every response.
"""

from __future__ import annotations

from typing import Any

from ideko.compiler.build.katib import artifact_store_env
from ideko.compiler.build.resources import cpu_threads, k8s_resources
from ideko.compiler.load.spec_model import Spec
from ideko.schema import env
from ideko.schema.defaults import DEFAULT_REGISTRY_BACKEND
from ideko.schema.serving import model_reference

API_VERSION = "serving.kserve.io/v1beta1"
KIND = "InferenceService"
SERVING_MODULE = "ideko.runtime.serving"  # the runtime's model server entry point
CONTAINER = "kserve-container"  # KServe's name for a custom predictor's container
HTTP_PORT = 8080  # KServe's HTTP port for custom predictors


def predictor_args(spec: Spec) -> list[str]:
    """The model server's arguments: the registry reference, the registry (and its backend
    when it is not the default one), name and port."""
    serving = spec.serving
    assert serving is not None
    backend: list[str] = []
    if spec.registry.backend != DEFAULT_REGISTRY_BACKEND:
        backend = ["--registry-backend", spec.registry.backend]
    return [
        model_reference(serving.model, serving.ref),
        "--registry-uri",
        spec.registry.uri,
        *backend,
        "--name",
        serving.name,
        "--port",
        str(HTTP_PORT),
    ]


def _container(spec: Spec) -> dict[str, Any]:
    serving = spec.serving
    assert serving is not None
    container: dict[str, Any] = {
        "name": CONTAINER,
        "image": spec.image,
        "command": ["python", "-m", SERVING_MODULE],
        "args": predictor_args(spec),
        "ports": [{"containerPort": HTTP_PORT, "protocol": "TCP"}],
    }
    variables = artifact_store_env(spec.artifact_store)
    cpu = serving.resources.cpu_limit or serving.resources.cpu_request
    if cpu:  # TensorFlow's thread pools sized to the pod, as in every pipeline task
        variables.append({"name": env.NUM_THREADS, "value": str(cpu_threads(cpu))})
    if variables:
        container["env"] = variables
    resources = k8s_resources(serving.resources)
    if resources:
        container["resources"] = resources
    container["readinessProbe"] = {
        "httpGet": {"path": f"/v2/models/{serving.name}/ready", "port": HTTP_PORT},
    }
    return container


def build_inference_service(spec: Spec) -> dict[str, Any] | None:
    """The InferenceService manifest, or ``None`` when ``serving.enabled`` is false."""
    serving = spec.serving
    if serving is None:
        return None
    predictor: dict[str, Any] = {
        "minReplicas": serving.min_replicas,
        "maxReplicas": serving.max_replicas,
        "containers": [_container(spec)],
    }
    if spec.artifact_store.service_account is not None:
        predictor["serviceAccountName"] = spec.artifact_store.service_account
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {
            "name": serving.name,
            "labels": {"app.kubernetes.io/part-of": spec.metadata.name},
        },
        "spec": {"predictor": predictor},
    }
