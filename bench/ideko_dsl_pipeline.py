"""Hand-written KFP DSL pipeline with the same shape as specs/ideko.yaml (baseline for the bench).

What a user would write without ideko: preprocess → quality gate → four models (LSTM tuned)
train/evaluate → compare → promotion gate → register, with the same per-task settings.
Compiled with `kfp dsl compile --py bench/ideko_dsl_pipeline.py --output OUT.yaml`.
"""

from typing import NamedTuple

from kfp import dsl

IMAGE = "ghcr.io/ideko/ideko-runtime:0.1.0"
MODELS = ("neural-network", "cnn", "rnn", "lstm")
DATA_CONFIG = '{"indicators":["f3","f4","f5"],"scaling":"none"}'


@dsl.component(base_image=IMAGE, install_kfp_package=False)
def preprocess(
    data_uri: str,
    seed: int,
    data_config: str,
    train_data: dsl.Output[dsl.Dataset],
    test_data: dsl.Output[dsl.Dataset],
    dataset_metadata: dsl.Output[dsl.Artifact],
    quality_report: dsl.Output[dsl.Markdown],
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
    train_data: dsl.Input[dsl.Dataset],
    tuning_result: dsl.Output[dsl.Artifact],
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
    train_data: dsl.Input[dsl.Dataset],
    model: dsl.Output[dsl.Model],
) -> NamedTuple("Outputs", [("validation_accuracy", float), ("training_time", float)]):
    arguments = dict(locals())  # the parameters, before the import adds a name
    from ideko.runtime.steps import train as step

    r = step.component(**arguments)
    return (r["validation_accuracy"], r["training_time"])


@dsl.component(base_image=IMAGE, install_kfp_package=False)
def evaluate(
    model_config: str,
    model: dsl.Input[dsl.Model],
    train_data: dsl.Input[dsl.Dataset],
    test_data: dsl.Input[dsl.Dataset],
    metrics: dsl.Output[dsl.Metrics],
    classification_metrics: dsl.Output[dsl.ClassificationMetrics],
    evaluation: dsl.Output[dsl.Artifact],
) -> NamedTuple("Outputs", [("accuracy", float), ("macro_f1", float)]):
    arguments = dict(locals())  # the parameters, before the import adds a name
    from ideko.runtime.steps import evaluate as step

    r = step.component(**arguments)
    return (r["accuracy"], r["macro_f1"])


@dsl.component(base_image=IMAGE, install_kfp_package=False)
def compare(
    selection_config: str,
    promotion_config: str,
    eval_neural_network: dsl.Input[dsl.Artifact],
    model_neural_network: dsl.Input[dsl.Model],
    eval_cnn: dsl.Input[dsl.Artifact],
    model_cnn: dsl.Input[dsl.Model],
    eval_rnn: dsl.Input[dsl.Artifact],
    model_rnn: dsl.Input[dsl.Model],
    eval_lstm: dsl.Input[dsl.Artifact],
    model_lstm: dsl.Input[dsl.Model],
    report: dsl.Output[dsl.HTML],
    best_model: dsl.Output[dsl.Model],
    ranking: dsl.Output[dsl.Metrics],
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
    best_model: dsl.Input[dsl.Model],
    registered_model: dsl.Output[dsl.Model],
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
