"""InferenceService builder: content, and a structural check against KServe's own models.

The ``kserve`` package ships the OpenAPI models of its CRDs (``V1beta1InferenceService`` …,
Kubernetes types from the ``kubernetes`` client). Their deserialiser silently drops unknown
keys, so the check walks the manifest itself: every key must be an attribute of the model
its parent's ``openapi_types`` names, every value of that type, and each model is built from
its values so its own required-field checks run. KServe's admission webhook (name rule) is
``ideko.schema.serving``'s; what neither can show is the controller's behaviour on a cluster.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import build_specs
import kserve.models as kserve_models
import kubernetes.client.models as k8s_models
import pytest
import yaml
from ideko.compiler.api import load_spec, render
from ideko.compiler.build.serving import SERVING_MODULE, build_inference_service, predictor_args
from ideko.compiler.layout import SERVING_FILE
from ideko.compiler.load.spec_model import Resources, Serving
from ideko.schema.serving import parse_model_reference

ROOT = Path(__file__).resolve().parents[3]
NATIVE = {"str": str, "int": int, "bool": bool, "float": (int, float), "object": object}
QUANTITY = (str, int, float)  # kserve's ResourceQuantity: a Kubernetes quantity


def _model_class(name: str) -> type:
    for module in (kserve_models, k8s_models):
        if hasattr(module, name):
            return getattr(module, name)
    raise AssertionError(f"no model named {name} in kserve or kubernetes")


def structural_problems(value: Any, type_name: str, path: str = "$") -> list[str]:
    """What in ``value`` does not fit KServe's/Kubernetes' model ``type_name``."""
    if type_name.startswith("list["):
        if not isinstance(value, list):
            return [f"{path}: expected a list"]
        inner = type_name[5:-1]
        return [
            p for i, v in enumerate(value) for p in structural_problems(v, inner, f"{path}[{i}]")
        ]
    if type_name.startswith("dict("):
        inner = re.match(r"dict\(([^,]*), (.*)\)", type_name)[2]  # type: ignore[index]
        if not isinstance(value, dict):
            return [f"{path}: expected a mapping"]
        return [p for k, v in value.items() for p in structural_problems(v, inner, f"{path}.{k}")]
    if type_name in NATIVE:
        ok = isinstance(value, NATIVE[type_name]) and not (
            type_name == "int" and isinstance(value, bool)
        )
        return [] if ok else [f"{path}: expected {type_name}, got {value!r}"]
    if type_name == "ResourceQuantity":
        return [] if isinstance(value, QUANTITY) else [f"{path}: not a quantity: {value!r}"]
    cls = _model_class(type_name)
    if not isinstance(value, dict):
        return [f"{path}: expected a {type_name} object"]
    attributes = {json_key: attr for attr, json_key in cls.attribute_map.items()}
    problems = [
        f"{path}.{key}: not a field of {type_name}" for key in value if key not in attributes
    ]
    for key, item in value.items():
        if key in attributes:
            attr = attributes[key]
            problems += structural_problems(item, cls.openapi_types[attr], f"{path}.{key}")
    try:  # the generated models check required fields and enums in their setters
        cls(**{attributes[k]: v for k, v in value.items() if k in attributes})
    except ValueError as exc:
        problems.append(f"{path}: {type_name}: {exc}")
    return problems


def _serving(**fields: Any) -> Serving:
    base = {"name": "small", "model": "small", "resources": Resources(cpu_limit="2")}
    return Serving(**{**base, **fields})


def test_the_example_spec_renders_a_valid_inference_service():
    files = render(load_spec(ROOT / "specs" / "ideko.yaml"))
    text = files[f"ideko-anomaly-classification/{SERVING_FILE}"]
    assert text.startswith("# KServe InferenceService")
    manifest = yaml.safe_load(text)
    assert structural_problems(manifest, "V1beta1InferenceService") == []
    predictor = manifest["spec"]["predictor"]
    (container,) = predictor["containers"]
    assert container["command"] == ["python", "-m", SERVING_MODULE]
    assert parse_model_reference(container["args"][0]) == (
        "ideko-anomaly-classification",
        "champion",
    )
    assert container["args"][1:3] == ["--registry-uri", "registry"]
    assert manifest["metadata"]["name"] == "ideko-anomaly-classification"


def test_the_check_catches_a_misspelt_or_mistyped_field():
    """The walker itself can fail: kserve's deserialiser alone would drop these."""
    manifest = build_inference_service(replace(build_specs.small(), serving=_serving()))
    assert manifest is not None
    container = manifest["spec"]["predictor"]["containers"][0]
    container["imagePullPolcy"] = "Always"
    manifest["spec"]["predictor"]["minReplicas"] = "1"
    del container["name"]
    problems = structural_problems(manifest, "V1beta1InferenceService")
    assert any("imagePullPolcy: not a field of V1Container" in p for p in problems)
    assert any("minReplicas: expected int" in p for p in problems)
    assert any("name" in p and "must not be `None`" in p for p in problems)


@pytest.mark.parametrize("case", sorted(build_specs.ALL))
def test_every_build_spec_gives_a_structurally_valid_service(case):
    spec = replace(build_specs.ALL[case](), serving=_serving(ref="3", max_replicas=3))
    manifest = build_inference_service(spec)
    assert structural_problems(manifest, "V1beta1InferenceService") == []


def test_resources_replicas_threads_and_version_reference():
    spec = replace(build_specs.small(), serving=_serving(ref="3", min_replicas=0, max_replicas=4))
    manifest = build_inference_service(spec)
    assert manifest is not None
    predictor = manifest["spec"]["predictor"]
    assert (predictor["minReplicas"], predictor["maxReplicas"]) == (0, 4)
    container = predictor["containers"][0]
    assert container["resources"] == {"limits": {"cpu": "2"}}
    assert {"name": "IDEKO_NUM_THREADS", "value": "2"} in container["env"]
    assert predictor_args(spec)[0] == "small/3"


def test_disabled_serving_writes_no_service():
    assert build_inference_service(build_specs.small()) is None
    spec = replace(build_specs.small(), serving=None)
    assert not any(path.endswith(SERVING_FILE) for path in render(spec))


def test_the_predictor_module_is_the_runtime_model_server():
    import importlib.util

    assert importlib.util.find_spec(f"{SERVING_MODULE}.__main__") is not None


def test_a_non_default_registry_backend_reaches_the_model_server():
    """The predictor is told the spec's backend when it is not the default one, and the
    runtime's own parser reads it back into the source it resolves."""
    from ideko.runtime.serving.cli import build_parser, source_of
    from ideko.schema.defaults import DEFAULT_REGISTRY_BACKEND

    spec = replace(build_specs.small(), serving=_serving())
    assert spec.registry.backend == DEFAULT_REGISTRY_BACKEND
    assert "--registry-backend" not in predictor_args(spec)
    assert build_parser().parse_args(predictor_args(spec)).registry_backend is None
    kubeflow = replace(spec, registry=replace(spec.registry, backend="kubeflow",
                                              uri="http://model-registry:8080"))
    args = predictor_args(kubeflow)
    assert args[args.index("--registry-backend") + 1] == "kubeflow"
    _, source = source_of(build_parser().parse_args(args))
    assert (source.registry_uri, source.registry_backend) == (
        "http://model-registry:8080", "kubeflow")
