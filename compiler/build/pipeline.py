"""Build the KFP v2 pipeline from a validated Spec with kfp's DSL and compile it in memory.

The DAG: preprocess → If(verdict == PASS) → per enabled model [tune-<m>] → train-<m> →
evaluate-<m> → compare-models → If(promote == True) → register-model. One task per model so
per-model resources, retries and caching apply and models run in parallel on a cluster.

KFP v2's IR has no per-task timeout, so a step's timeout travels as the environment variable
``IDEKO_STEP_TIMEOUT_SECONDS`` (enforced by the local runner; informational on a cluster).

No ``from __future__ import annotations``: kfp reads the pipeline function's annotations.
"""

from dataclasses import dataclass
from typing import Any

from google.protobuf import json_format
from ideko.compiler.build import components
from ideko.compiler.build.data_source import configure_data_source
from ideko.compiler.build.platform import with_ideko_settings
from ideko.compiler.build.resources import cpu_threads, task_resources
from ideko.compiler.build.task_fields import container_spec, resource_spec, set_env
from ideko.compiler.load.spec_model import Model, Spec, canonical_json
from ideko.schema import env
from ideko.schema.durations import parse_duration
from ideko.schema.steps import StepKind
from kfp import dsl
from kfp.compiler import pipeline_spec_builder as builder
from kfp.dsl.types import type_utils


def _seconds(duration: str) -> int:
    """Whole seconds of a spec duration (the schema admits only ``<int>[smh]``)."""
    return int(parse_duration(duration))


def configure(
    task: dsl.PipelineTask, spec: Spec, kind: StepKind, display: str, model: Model | None = None
) -> dsl.PipelineTask:
    """Apply the spec's display name, caching, retries, resources and timeout to a task."""
    settings = spec.execution.steps[kind]
    task.set_display_name(display)
    task.set_caching_options(enable_caching=settings.caching)
    retries = settings.retries
    if retries.count > 0:
        task.set_retry(
            num_retries=retries.count,
            backoff_duration=f"{_seconds(retries.backoff)}s",
            backoff_factor=retries.factor,
            backoff_max_duration=f"{_seconds(retries.max_backoff)}s",
        )
    resources = task_resources(spec, kind, model)
    container = container_spec(task)
    if resources.cpu_request:
        resource_spec(container).cpu_request = task._validate_cpu_request_limit(
            resources.cpu_request
        )
    if resources.cpu_limit:
        resource_spec(container).cpu_limit = task._validate_cpu_request_limit(resources.cpu_limit)
    if resources.memory_request:
        resource_spec(container).memory_request = task._validate_memory_request_limit(
            resources.memory_request
        )
    if resources.memory_limit:
        resource_spec(container).memory_limit = task._validate_memory_request_limit(
            resources.memory_limit
        )
    cpu = resources.cpu_limit or resources.cpu_request
    if cpu:
        # the runtime sizes TensorFlow's thread pools to the task's CPU (the local runner
        # overrides it with its own scheduler's share)
        set_env(task, env.NUM_THREADS, str(cpu_threads(cpu)))
    if settings.timeout:
        set_env(task, env.STEP_TIMEOUT_SECONDS, str(_seconds(settings.timeout)))
    return task


def track(task: dsl.PipelineTask, spec: Spec) -> None:
    """Where a task logs MLflow runs when the cluster sets no MLFLOW_TRACKING_URI."""
    if spec.registry.tracks:
        set_env(task, env.TRACKING_URI, spec.registry.uri)
        set_env(task, env.TRACKING_EXPERIMENT, spec.metadata.name)


class _Builder:
    """Holds the spec and its components while the pipeline function runs under kfp."""

    def __init__(self, spec: Spec, experiments: dict[str, dict[str, Any]]) -> None:
        self.spec = spec
        self.experiments = experiments
        self.component = components.ComponentFactory(spec.image)

    def models(
        self, preprocess: dsl.PipelineTask, seed: Any, hpo_backend: Any, registry_uri: Any
    ) -> None:
        """Tune/train/evaluate per model, then compare and the gated register step."""
        spec = self.spec
        train_data = preprocess.outputs["train_data"]
        evaluations: dict[str, Any] = {}
        for model in spec.enabled_models:
            config = canonical_json(model.config())
            overrides: Any = "{}"
            if model.hpo is not None:
                tune = self.component(components.tune, f"tune-{model.name}")(
                    model_config=config,
                    experiment=canonical_json(self.experiments[model.name]),
                    backend=hpo_backend,
                    seed=seed,
                    train_data=train_data,
                )
                configure(tune, spec, "tune", f"tune {model.key}", model)
                track(tune, spec)
                overrides = tune.outputs["best_parameters"]
            train = self.component(components.train, f"train-{model.name}")(
                model_config=config, overrides=overrides, seed=seed, train_data=train_data
            )
            configure(train, spec, "train", f"train {model.key}", model)
            track(train, spec)
            evaluate = self.component(components.evaluate, f"evaluate-{model.name}")(
                model_config=config,
                model=train.outputs["model"],
                train_data=train_data,
                test_data=preprocess.outputs["test_data"],
            )
            configure(evaluate, spec, "evaluate", f"evaluate {model.key}", model)
            evaluations[f"eval_{model.identifier}"] = evaluate.outputs["evaluation"]
            evaluations[f"model_{model.identifier}"] = train.outputs["model"]
        func = components.compare_function([(m.name, m.identifier) for m in spec.enabled_models])
        compare = self.component(func, "compare-models")(
            selection_config=canonical_json(spec.selection_config()),
            promotion_config=canonical_json(spec.promotion_config()),
            # packaged with the best model: the preprocessing the model server applies
            dataset_metadata=preprocess.outputs["dataset_metadata"],
            **evaluations,
        )
        configure(compare, spec, "compare", "compare models")
        if spec.conditions.promotion is None:
            self.register(compare, preprocess, registry_uri)
        else:
            with dsl.If(compare.outputs["promote"] == True, name="promotion-gate"):  # noqa: E712
                self.register(compare, preprocess, registry_uri)

    def register(
        self, compare: dsl.PipelineTask, preprocess: dsl.PipelineTask, registry_uri: Any
    ) -> None:
        """The register task: the best model, and the test split a champion is re-scored on."""
        spec = self.spec
        task = self.component(components.register, "register-model")(
            model_name=spec.registered_model_name,
            registry_uri=registry_uri,
            registry_config=canonical_json(spec.registry_config()),
            best_model=compare.outputs["best_model"],
            test_data=preprocess.outputs["test_data"],
            dataset_metadata=preprocess.outputs["dataset_metadata"],
        )
        configure(task, spec, "register", "register model")
        track(task, spec)

    def pipeline(self) -> Any:
        """The ``@dsl.pipeline`` function for the spec, with run-time parameters and defaults."""
        spec = self.spec
        data_config = canonical_json(spec.data_config())

        def ideko_pipeline(
            data_uri: str = spec.data.source.location(),
            data_ref: str = spec.data.source.ref(),
            seed: int = spec.data.split.seed,
            hpo_backend: str = "auto",
            registry_uri: str = spec.registry.uri,
        ) -> None:
            preprocess = self.component(components.preprocess, "preprocess")(
                data_uri=data_uri, data_ref=data_ref, seed=seed, data_config=data_config
            )
            configure(preprocess, spec, "preprocess", "preprocess data")
            configure_data_source(preprocess, spec.data.source)
            if not spec.conditions.quality_gate:
                self.models(preprocess, seed, hpo_backend, registry_uri)
                return
            with dsl.If(preprocess.outputs["verdict"] == "PASS", name="quality-gate"):
                self.models(preprocess, seed, hpo_backend, registry_uri)

        return dsl.pipeline(
            ideko_pipeline,
            name=spec.metadata.name,
            display_name=spec.metadata.name,
            description=spec.metadata.description,
        )


@dataclass(frozen=True)
class BuiltPipeline:
    """kfp's two outputs as dicts: the ``PipelineSpec`` and the ``PlatformSpec`` beside it."""

    pipeline_spec: dict[str, Any]
    platform_spec: dict[str, Any]  # kfp's own platform entries plus ideko's (build.platform)


def build_pipeline(spec: Spec, experiments: dict[str, dict[str, Any]]) -> BuiltPipeline:
    """The compiled KFP IR for ``spec``: pipeline spec and platform spec, as kfp builds them.

    ``experiments`` are the Katib manifests from ``build_katib``; each tune task receives
    its model's manifest as a constant (canonical JSON, which is also valid YAML). The
    platform spec is passed through (kfp's ``Compiler`` writes it as a second document) with
    ideko's own settings added (``build.platform``).
    """
    if not spec.enabled_models:
        raise ValueError("the spec enables no model; nothing to train")
    with type_utils.TypeCheckManager(enable=True):
        pipeline = _Builder(spec, experiments).pipeline()
    pipeline_spec = builder.modify_pipeline_spec_with_override(
        pipeline_spec=pipeline.pipeline_spec,
        pipeline_name=None,
        pipeline_parameters=None,
    )
    return BuiltPipeline(
        pipeline_spec=json_format.MessageToDict(pipeline_spec),
        platform_spec=json_format.MessageToDict(with_ideko_settings(pipeline.platform_spec, spec)),
    )


def ir_comment_header(ir: dict[str, Any], description: str | None) -> str:
    """kfp's own ``# PIPELINE DEFINITION`` comment block (inputs and outputs)."""
    return builder.extract_comments_from_pipeline_spec(ir, description)
