"""The compiled KFP IR: strict PipelineSpec parsing, kfp loading and DAG structure."""

from __future__ import annotations

import json
from dataclasses import replace

import build_specs
import pytest
import yaml
from google.protobuf import json_format
from ideko.compiler.build import components
from ideko.compiler.build.katib import build_katib
from ideko.compiler.build.pipeline import build_pipeline
from ideko.compiler.load.spec_model import Conditions, Promotion, Retries, StepSettings
from ideko.compiler.render import render
from kfp import compiler
from kfp.components import load_component_from_file
from kfp.pipeline_spec import pipeline_spec_pb2


def _ir(spec) -> dict:
    return build_pipeline(spec, build_katib(spec)).pipeline_spec


def _all_tasks(ir: dict) -> dict[str, dict]:
    """Every task in every DAG (root and condition sub-DAGs), keyed by task name."""
    tasks = dict(ir["root"]["dag"]["tasks"])
    for comp in ir["components"].values():
        tasks.update(comp.get("dag", {}).get("tasks", {}))
    return tasks


def _executor(ir: dict, task_name: str) -> dict:
    return ir["deploymentSpec"]["executors"][f"exec-{task_name}"]["container"]


@pytest.mark.parametrize("case", sorted(build_specs.ALL))
def test_ir_parses_strictly_into_pipeline_spec(case):
    ir = _ir(build_specs.ALL[case]())
    message = json_format.ParseDict(
        ir, pipeline_spec_pb2.PipelineSpec(), ignore_unknown_fields=False
    )
    assert message.pipeline_info.name == build_specs.ALL[case]().metadata.name


@pytest.mark.parametrize("case", sorted(build_specs.ALL))
def test_written_ir_loads_with_kfp(case, tmp_path):
    spec = build_specs.ALL[case]()
    text = render(spec)[f"{spec.metadata.name}/pipeline.yaml"]
    path = tmp_path / "pipeline.yaml"
    path.write_text(text, encoding="utf-8")
    loaded = load_component_from_file(str(path))
    assert loaded.name == spec.metadata.name
    assert set(loaded.component_spec.inputs) == {
        "data_uri",
        "data_ref",
        "seed",
        "hpo_backend",
        "registry_uri",
    }


def test_ir_equals_what_kfps_own_compiler_writes(tmp_path):
    """build_pipeline is kfp's compile, in memory: same document as Compiler().compile."""
    spec = build_specs.full()
    from ideko.compiler.build.pipeline import _Builder

    path = tmp_path / "kfp.yaml"
    compiler.Compiler().compile(_Builder(spec, build_katib(spec)).pipeline(), str(path))
    assert yaml.safe_load(path.read_text()) == _ir(spec)


def test_one_task_per_enabled_model_with_readable_names():
    spec = build_specs.default_heavy()  # rnn is disabled
    tasks = _all_tasks(_ir(spec))
    assert {t for t in tasks if t.startswith("train-")} == {"train-neural-network", "train-cnn"}
    assert {t for t in tasks if t.startswith("evaluate-")} == {
        "evaluate-neural-network",
        "evaluate-cnn",
    }
    assert not any(t.startswith("tune-") for t in tasks)
    assert {"preprocess", "compare-models", "register-model"} <= set(tasks)


def test_tune_feeds_train_only_for_models_with_hpo():
    spec = build_specs.full()
    ir = _ir(spec)
    tasks = _all_tasks(ir)
    assert [t for t in tasks if t.startswith("tune-")] == ["tune-lstm"]
    overrides = tasks["train-lstm"]["inputs"]["parameters"]["overrides"]
    assert overrides["taskOutputParameter"] == {
        "outputParameterKey": "best_parameters",
        "producerTask": "tune-lstm",
    }
    assert (
        tasks["train-cnn"]["inputs"]["parameters"]["overrides"]["runtimeValue"]["constant"] == "{}"
    )
    tune_inputs = tasks["tune-lstm"]["inputs"]["parameters"]
    experiment = json.loads(tune_inputs["experiment"]["runtimeValue"]["constant"])
    assert experiment == build_katib(spec)["lstm"]
    assert tune_inputs["backend"]["componentInputParameter"] == "pipelinechannel--hpo_backend"


def test_quality_and_promotion_gates():
    ir = _ir(build_specs.full())
    root = ir["root"]["dag"]["tasks"]
    assert set(root) == {"preprocess", "condition-1"}
    gate = root["condition-1"]
    assert gate["taskInfo"]["name"] == "quality-gate"
    assert (
        gate["triggerPolicy"]["condition"]
        == "inputs.parameter_values['pipelinechannel--preprocess-verdict'] == 'PASS'"
    )
    inner = ir["components"]["comp-condition-1"]["dag"]["tasks"]
    promo = inner["condition-2"]
    assert promo["taskInfo"]["name"] == "promotion-gate"
    assert (
        promo["triggerPolicy"]["condition"]
        == "inputs.parameter_values['pipelinechannel--compare-models-promote'] == true"
    )
    assert set(ir["components"]["comp-condition-2"]["dag"]["tasks"]) == {"register-model"}


def test_no_gates_when_disabled():
    spec = replace(build_specs.full(), conditions=Conditions(quality_gate=False, promotion=None))
    ir = _ir(spec)
    root = ir["root"]["dag"]["tasks"]
    assert not any(name.startswith("condition") for name in root)
    assert "register-model" in root and "train-lstm" in root


def test_compare_fans_in_every_model():
    """One evaluation and one model per enabled model, plus the preprocess step's dataset
    metadata (packaged with the best model for serving)."""
    spec = build_specs.full()
    ir = _ir(spec)
    inputs = ir["components"]["comp-compare-models"]["inputDefinitions"]["artifacts"]
    idents = [m.identifier for m in spec.enabled_models]
    per_model = {f"eval_{i}" for i in idents} | {f"model_{i}" for i in idents}
    assert set(inputs) == per_model | {"dataset_metadata"}
    task = ir["components"]["comp-condition-1"]["dag"]["tasks"]["compare-models"]
    assert task["inputs"]["artifacts"]["dataset_metadata"] == {
        "componentInputArtifact": "pipelinechannel--preprocess-dataset_metadata"
    }
    outputs = ir["components"]["comp-compare-models"]["outputDefinitions"]
    assert outputs["artifacts"]["report"]["artifactType"]["schemaTitle"] == "system.HTML"
    assert outputs["artifacts"]["ranking"]["artifactType"]["schemaTitle"] == "system.Metrics"
    assert set(outputs["parameters"]) == {"best_model_name", "promote", "best_score"}
    source = _executor(ir, "compare-models")["command"][-1]
    assert '"neural-network": eval_neural_network' in source
    assert "from ideko.runtime.steps import compare as step" in source


def test_artifact_types_for_the_kfp_ui():
    ir = _ir(build_specs.full())

    def out_types(comp):
        arts = ir["components"][comp]["outputDefinitions"]["artifacts"]
        return {k: v["artifactType"]["schemaTitle"] for k, v in arts.items()}

    assert out_types("comp-preprocess") == {
        "train_data": "system.Dataset",
        "test_data": "system.Dataset",
        "dataset_metadata": "system.Artifact",
        "quality_report": "system.Markdown",
    }
    assert out_types("comp-train-lstm") == {"model": "system.Model"}
    assert out_types("comp-evaluate-lstm") == {
        "metrics": "system.Metrics",
        "classification_metrics": "system.ClassificationMetrics",
        "evaluation": "system.Artifact",
    }


def test_components_are_thin_and_install_nothing():
    ir = _ir(build_specs.full())
    for name, executor in ir["deploymentSpec"]["executors"].items():
        container = executor["container"]
        assert container["image"] == "ghcr.io/ideko/ideko-runtime:0.1.0", name
        command = " ".join(container["command"])
        assert "pip install" not in command, name
        assert "from ideko.runtime.steps import " in container["command"][-1], name


def test_retries_caching_resources_and_timeouts_from_spec():
    ir = _ir(build_specs.full())
    tasks = _all_tasks(ir)
    assert tasks["preprocess"]["retryPolicy"] == {
        "backoffDuration": "10s",
        "backoffFactor": 2.0,
        "backoffMaxDuration": "120s",
        "maxRetryCount": 1,
    }
    assert tasks["train-cnn"]["retryPolicy"]["maxRetryCount"] == 2
    assert tasks["preprocess"]["cachingOptions"] == {"enableCache": True}
    assert tasks["register-model"]["cachingOptions"] == {}  # enableCache false is proto3's default
    assert tasks["train-lstm"]["taskInfo"]["name"] == "train LSTM"
    lstm = _executor(ir, "train-lstm")
    assert lstm["resources"]["resourceCpuRequest"] == "1"
    assert lstm["resources"]["resourceCpuLimit"] == "2"
    assert lstm["resources"]["resourceMemoryRequest"] == "2Gi"  # model override
    cnn = _executor(ir, "train-cnn")
    assert cnn["resources"]["resourceMemoryRequest"] == "1Gi"  # step default
    env = {e["name"]: e["value"] for e in lstm["env"]}
    assert env["IDEKO_STEP_TIMEOUT_SECONDS"] == "7200"  # train: 2h
    env = {e["name"]: e["value"] for e in _executor(ir, "preprocess")["env"]}
    assert env["IDEKO_STEP_TIMEOUT_SECONDS"] == "3600"


def test_defaults_leave_tasks_unconstrained():
    ir = _ir(build_specs.default_heavy())
    tasks = _all_tasks(ir)
    assert "retryPolicy" not in tasks["train-cnn"]
    assert "resources" not in _executor(ir, "train-cnn")
    # only the MLflow tracking target of the default embedded registry (no thread/timeout caps)
    names = {e["name"] for e in _executor(ir, "train-cnn").get("env", [])}
    assert names == {"IDEKO_TRACKING_URI", "IDEKO_TRACKING_EXPERIMENT"}


def test_no_retry_policy_when_count_is_zero_but_set_when_positive():
    spec = build_specs.small()
    steps = dict(spec.execution.steps)
    steps["train"] = StepSettings(
        caching=False,
        retries=Retries(count=3, backoff="2m"),
        resources=steps["train"].resources,
        timeout=None,
    )
    spec = replace(spec, execution=replace(spec.execution, steps=steps))
    tasks = _all_tasks(_ir(spec))
    assert tasks["train-neural-network"]["retryPolicy"]["backoffDuration"] == "120s"
    assert tasks["train-neural-network"]["cachingOptions"] == {}
    assert "retryPolicy" not in tasks["evaluate-neural-network"]


def test_pipeline_parameters_and_defaults():
    spec = build_specs.full()
    params = _ir(spec)["root"]["inputDefinitions"]["parameters"]
    assert params["data_uri"]["defaultValue"] == "data/synthetic"
    assert params["data_uri"]["parameterType"] == "STRING"
    assert (
        params["seed"]["parameterType"] == "NUMBER_INTEGER" and params["seed"]["defaultValue"] == 2
    )
    assert params["hpo_backend"]["defaultValue"] == "auto"
    assert params["registry_uri"]["defaultValue"] == "registry"


def test_config_constants_are_canonical_json():
    spec = build_specs.full()
    tasks = _all_tasks(_ir(spec))
    constant = tasks["preprocess"]["inputs"]["parameters"]["data_config"]["runtimeValue"][
        "constant"
    ]
    assert constant == json.dumps(spec.data_config(), sort_keys=True, separators=(",", ":"))
    promo = tasks["compare-models"]["inputs"]["parameters"]["promotion_config"]["runtimeValue"][
        "constant"
    ]
    assert json.loads(promo) == {"metric": "accuracy", "threshold": 0.7, "margin": 0.0}


def test_compare_source_is_valid_python_for_odd_names():
    func = components.compare_function([("m-1", "m_1"), ("x", "x")])
    assert list(func.__annotations__)[:7] == [
        "selection_config",
        "promotion_config",
        "dataset_metadata",
        "eval_m_1",
        "model_m_1",
        "eval_x",
        "model_x",
    ]


def test_no_enabled_model_is_a_clear_error():
    spec = build_specs.small()
    spec = replace(spec, models=tuple(replace(m, enabled=False) for m in spec.models))
    with pytest.raises(ValueError, match="no model"):
        _ir(spec)


def test_promotion_gate_present_only_with_promotion():
    spec = replace(
        build_specs.small(),
        conditions=Conditions(quality_gate=False, promotion=Promotion("accuracy", 0.5)),
    )
    root = _ir(spec)["root"]["dag"]["tasks"]
    assert "condition-1" in root and "register-model" not in root


def test_component_factory_copies_equal_fresh_components():
    from kfp import dsl

    factory = components.ComponentFactory("img:1")
    first = factory(components.train, "train-a")
    second = factory(components.train, "train-b")
    fresh = dsl.component(components.train, base_image="img:1", install_kfp_package=False)
    fresh.component_spec.name = "train-b"
    assert second.component_spec == fresh.component_spec
    assert first.component_spec.name == "train-a"  # copies are independent
    assert first.component_spec.implementation is not second.component_spec.implementation


@pytest.mark.parametrize(("quantity", "threads"), [("2", 2), ("1.5", 2), ("500m", 1), ("4000m", 4)])
def test_thread_hint_from_cpu_quantity(quantity, threads):
    from ideko.compiler.build.resources import cpu_threads

    assert cpu_threads(quantity) == threads


def test_thread_env_follows_the_cpu_limit():
    ir = _ir(build_specs.full())
    env = {e["name"]: e["value"] for e in _executor(ir, "train-lstm")["env"]}
    assert env["IDEKO_NUM_THREADS"] == "2"


def _with_kfp_setters(task, spec, kind, display, model=None):
    """Reference for ``configure``: the same settings through kfp's public setters."""
    from ideko.compiler.build.pipeline import _seconds
    from ideko.compiler.build.resources import cpu_threads, task_resources
    from ideko.schema import env

    settings = spec.execution.steps[kind]
    task.set_display_name(display).set_caching_options(enable_caching=settings.caching)
    if settings.retries.count > 0:
        retries = settings.retries
        task.set_retry(
            num_retries=retries.count,
            backoff_duration=f"{_seconds(retries.backoff)}s",
            backoff_factor=retries.factor,
            backoff_max_duration=f"{_seconds(retries.max_backoff)}s",
        )
    resources = task_resources(spec, kind, model)
    for value, setter in (
        (resources.cpu_request, task.set_cpu_request),
        (resources.cpu_limit, task.set_cpu_limit),
        (resources.memory_request, task.set_memory_request),
        (resources.memory_limit, task.set_memory_limit),
    ):
        if value:
            setter(value)
    cpu = resources.cpu_limit or resources.cpu_request
    if cpu:
        task.set_env_variable(env.NUM_THREADS, str(cpu_threads(cpu)))
    if settings.timeout:
        task.set_env_variable(env.STEP_TIMEOUT_SECONDS, str(_seconds(settings.timeout)))
    return task


@pytest.mark.parametrize("case", sorted(build_specs.ALL))
def test_configure_writes_what_kfps_public_setters_write(case, monkeypatch):
    """``configure`` bypasses kfp's slow setters (inspect.stack per call): same IR bytes."""
    import inspect
    from types import SimpleNamespace

    from ideko.compiler.build import pipeline as pipeline_module
    from kfp.dsl import pipeline_task

    spec = build_specs.ALL[case]()
    direct = build_pipeline(spec, build_katib(spec)).pipeline_spec
    monkeypatch.setattr(pipeline_module, "configure", _with_kfp_setters)
    # kfp reads only the caller's name off the stack; without the source lines of every
    # frame (context 0) the setters write the same IR ~13x faster under pytest's deep stack
    monkeypatch.setattr(pipeline_task, "inspect", SimpleNamespace(stack=lambda: inspect.stack(0)))
    through_setters = build_pipeline(spec, build_katib(spec)).pipeline_spec
    assert json.dumps(direct, sort_keys=True) == json.dumps(through_setters, sort_keys=True)


def test_configure_rejects_an_invalid_cpu_quantity_with_kfps_validator():
    from ideko.compiler.load.spec_model import Resources

    spec = build_specs.full()
    steps = dict(spec.execution.steps)
    steps["compare"] = replace(steps["compare"], resources=Resources(cpu_request="two"))
    spec = replace(spec, execution=replace(spec.execution, steps=steps))
    with pytest.raises(ValueError, match="Invalid cpu string"):
        build_pipeline(spec, build_katib(spec))
