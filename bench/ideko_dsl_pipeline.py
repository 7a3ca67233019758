"""Hand-written KFP DSL pipeline with the same shape as specs/ideko.yaml (baseline for the bench).

What a user would write without ideko: preprocess → quality gate → four models (LSTM tuned)
train/evaluate → compare → promotion gate → register, with the same per-task settings.
Compiled with `kfp dsl compile --py bench/ideko_dsl_pipeline.py --output OUT.yaml`.
"""

from typing import NamedTuple

from kfp import dsl
from kfp.dsl import (
    HTML,
    Artifact,
    ClassificationMetrics,
    Dataset,
    Input,
    Markdown,
    Metrics,
    Model,
    Output,
)

IMAGE = "ghcr.io/ideko/ideko-runtime:0.1.0"
MODELS = ("neural-network", "cnn", "rnn", "lstm")
DATA_CONFIG = '{"indicators":["f3","f4","f5"],"scaling":"none"}'


@dsl.component(base_image=IMAGE, install_kfp_package=False)
def preprocess(
    data_uri: str,
    seed: int,
    data_config: str,
    train_data: Output[Dataset],
    test_data: Output[Dataset],
    dataset_metadata: Output[Artifact],
    quality_report: Output[Markdown],
) -> NamedTuple("Outputs", [("verdict", str), ("reasons", str), ("num_series", int)]):
    arguments = dict(locals())  # the parameters, before the import adds a name
    from ideko.runtime.steps import preprocess as step

    r = step.component(**arguments)
    return (r["verdict"], r["reasons"], r["num_series"])


@dsl.component(base_image=IMAGE, install_kfp_package=False)
def tune(
    model_config: str,
    experiment: str,
    backend: str,
    seed: int,
    train_data: Input[Dataset],
    tuning_result: Output[Artifact],
) -> NamedTuple("Outputs", [("best_parameters", str), ("best_objective", float)]):
    arguments = dict(locals())  # the parameters, before the import adds a name
    from ideko.runtime.steps import tune as step

    r = step.component(**arguments)
    return (r["best_parameters"], r["best_objective"])


@dsl.component(base_image=IMAGE, install_kfp_package=False)
def train(
    model_config: str,
    overrides: str,
    seed: int,
    train_data: Input[Dataset],
    model: Output[Model],
) -> NamedTuple("Outputs", [("validation_accuracy", float), ("training_time", float)]):
    arguments = dict(locals())  # the parameters, before the import adds a name
    from ideko.runtime.steps import train as step

    r = step.component(**arguments)
    return (r["validation_accuracy"], r["training_time"])


@dsl.component(base_image=IMAGE, install_kfp_package=False)
def evaluate(
    model_config: str,
    model: Input[Model],
    train_data: Input[Dataset],
    test_data: Input[Dataset],
    metrics: Output[Metrics],
    classification_metrics: Output[ClassificationMetrics],
    evaluation: Output[Artifact],
) -> NamedTuple("Outputs", [("accuracy", float), ("macro_f1", float)]):
    arguments = dict(locals())  # the parameters, before the import adds a name
    from ideko.runtime.steps import evaluate as step

    r = step.component(**arguments)
    return (r["accuracy"], r["macro_f1"])


@dsl.component(base_image=IMAGE, install_kfp_package=False)
def compare(
    selection_config: str,
    promotion_config: str,
    eval_neural_network: Input[Artifact],
    model_neural_network: Input[Model],
    eval_cnn: Input[Artifact],
    model_cnn: Input[Model],
    eval_rnn: Input[Artifact],
    model_rnn: Input[Model],
    eval_lstm: Input[Artifact],
    model_lstm: Input[Model],
    report: Output[HTML],
    best_model: Output[Model],
    ranking: Output[Metrics],
) -> NamedTuple("Outputs", [("best_model_name", str), ("promote", bool), ("best_score", float)]):
    arguments = dict(locals())  # the parameters, before the import adds a name
    from ideko.runtime.steps import compare as step

    def per_model(prefix: str) -> dict:  # eval_neural_network -> {"neural-network": artifact}
        names = [key for key in arguments if key.startswith(prefix)]
        return {key[len(prefix) :].replace("_", "-"): arguments.pop(key) for key in names}

    evaluations, models = per_model("eval_"), per_model("model_")
    r = step.component(evaluations=evaluations, models=models, **arguments)
    return (r["best_model_name"], r["promote"], r["best_score"])


@dsl.component(base_image=IMAGE, install_kfp_package=False)
def register(
    model_name: str,
    registry_uri: str,
    best_model: Input[Model],
    registered_model: Output[Model],
) -> NamedTuple("Outputs", [("version", str)]):
    arguments = dict(locals())  # the parameters, before the import adds a name
    from ideko.runtime.steps import register as step

    r = step.component(**arguments)
    return (r["version"],)


def _settings(task, name: str, retries: int = 2, timeout: str = "3600"):
    task.set_display_name(name)
    task.set_caching_options(enable_caching=True)
    task.set_retry(
        num_retries=retries, backoff_duration="10s", backoff_factor=2.0, backoff_max_duration="120s"
    )
    task.set_cpu_request("1").set_cpu_limit("2")
    task.set_memory_request("1Gi").set_memory_limit("4Gi")
    task.set_env_variable("IDEKO_STEP_TIMEOUT_SECONDS", timeout)
    return task


@dsl.pipeline(name="ideko-anomaly-classification", description="IDEKO, hand-written DSL")
def ideko_pipeline(
    data_uri: str = "data/synthetic",
    seed: int = 2,
    hpo_backend: str = "auto",
    registry_uri: str = "registry",
):
    pre = _settings(
        preprocess(data_uri=data_uri, seed=seed, data_config=DATA_CONFIG),
        "preprocess data",
        retries=1,
    )
    with dsl.If(pre.outputs["verdict"] == "PASS", name="quality-gate"):
        fan_in = {}
        for name in MODELS:
            ident = name.replace("-", "_")
            config = f'{{"name":"{name}"}}'
            overrides = "{}"
            if name == "lstm":
                t = _settings(
                    tune(
                        model_config=config,
                        experiment="{}",
                        backend=hpo_backend,
                        seed=seed,
                        train_data=pre.outputs["train_data"],
                    ),
                    f"tune {name}",
                )
                overrides = t.outputs["best_parameters"]
            tr = _settings(
                train(
                    model_config=config,
                    overrides=overrides,
                    seed=seed,
                    train_data=pre.outputs["train_data"],
                ),
                f"train {name}",
                timeout="7200",
            )
            ev = _settings(
                evaluate(
                    model_config=config,
                    model=tr.outputs["model"],
                    train_data=pre.outputs["train_data"],
                    test_data=pre.outputs["test_data"],
                ),
                f"evaluate {name}",
            )
            fan_in[f"eval_{ident}"] = ev.outputs["evaluation"]
            fan_in[f"model_{ident}"] = tr.outputs["model"]
        cmp = _settings(
            compare(selection_config="{}", promotion_config="{}", **fan_in), "compare models"
        )
        with dsl.If(cmp.outputs["promote"] == True, name="promotion-gate"):  # noqa: E712
            reg = register(
                model_name=cmp.outputs["best_model_name"],
                registry_uri=registry_uri,
                best_model=cmp.outputs["best_model"],
            )
            _settings(reg, "register model").set_caching_options(enable_caching=False)
