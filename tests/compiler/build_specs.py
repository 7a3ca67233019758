"""Spec factories for builder tests: small, default-heavy, full IDEKO and HPO-heavy shapes.

Built directly as typed ``Spec`` objects so the builders are tested independently of the
spec loader.
"""

from __future__ import annotations

from dataclasses import replace

from ideko.compiler.load.spec_model import (
    Conditions,
    Criterion,
    DataSource,
    DataSpec,
    EarlyStopping,
    Execution,
    Hpo,
    HpoParameter,
    LocalSource,
    Metadata,
    Model,
    Objective,
    Promotion,
    QualityGate,
    Registry,
    Resources,
    Retries,
    ScoreWeights,
    Selection,
    Spec,
    Split,
    StepSettings,
)
from ideko.schema.steps import STEP_KINDS

NO_RETRIES = Retries()
NO_RESOURCES = Resources()
LSTM_EARLY_STOPPING = EarlyStopping(min_trials_required=3, start_step=2)
TRAINING_DEFAULTS = {
    "epochs": 8,
    "batch_size": 32,
    "optimizer": "adam",
    "learning_rate": 0.001,
    "patience": 3,
    "min_delta": 0.0,
    "validation_split": 0.2,
}


def execution(
    caching: bool = True,
    retries: Retries = NO_RETRIES,
    resources: Resources = NO_RESOURCES,
    timeout: str | None = None,
    overrides: dict[str, StepSettings] | None = None,
) -> Execution:
    base = StepSettings(caching=caching, retries=retries, resources=resources, timeout=timeout)
    steps = {kind: base for kind in STEP_KINDS}
    steps.update(overrides or {})
    return Execution(parallelism=2, caching=caching, steps=steps)  # type: ignore[arg-type]


def model(
    key: str,
    name: str,
    architecture: str,
    model_parameters: dict,
    hpo: Hpo | None = None,
    resources: Resources = NO_RESOURCES,
    enabled: bool = True,
) -> Model:
    folder = name.replace("-", "_")
    return Model(
        key=key,
        name=name,
        architecture=architecture,  # type: ignore[arg-type]
        enabled=enabled,
        name_parameters={"folder_name": folder, "model_name": f"model_{folder}.keras"},
        model_parameters={"dropout": 0.0, "masking": True, **model_parameters},
        training_parameters=dict(TRAINING_DEFAULTS),
        resources=resources,
        hpo=hpo,
    )


def data_spec(path: str = "data/synthetic", seed: int = 2) -> DataSpec:
    return DataSpec(
        source=DataSource(local=LocalSource(path=path)),
        indicators=("f3", "f4", "f5"),
        classes=(
            ("not_anomalous", "not anomalous"),
            ("mechanical_anomalies", "mechanical anomaly"),
            ("electrical_anomalies", "electrical anomaly"),
        ),
        split=Split(seed=seed),
        quality_gate=QualityGate(min_series=30, min_per_class=5, max_nan_fraction=0.05),
    )


def _spec(name: str, models: tuple[Model, ...], **kwargs) -> Spec:
    fields = {
        "source_path": f"specs/{name}.yaml",
        "source_in_repo": f"specs/{name}.yaml",
        "metadata": Metadata(name=name, description=f"{name} test pipeline", version="0.1.0"),
        "image": "ghcr.io/ideko/ideko-runtime:0.1.0",
        "data": data_spec(),
        "models": models,
        "execution": execution(),
        "conditions": Conditions(),
        "selection": Selection(criteria=(Criterion("accuracy", 1.0, "maximize"),)),
        "registry": Registry(uri="registry"),
    }
    fields.update(kwargs)
    return Spec(**fields)


def lstm_hpo(
    algorithm: str = "tpe",
    early_stopping: EarlyStopping | None = LSTM_EARLY_STOPPING,
) -> Hpo:
    return Hpo(
        algorithm=algorithm,
        objective=Objective(metric="score", type="maximize", goal=0.99),
        parameters=(
            HpoParameter(
                name="learning_rate",
                type="double",
                target="training_parameters.learning_rate",
                min=0.0005,
                max=0.01,
                distribution="logUniform",
            ),
            HpoParameter(
                name="hidden_units_0",
                type="int",
                target="model_parameters.hidden_units.0",
                min=16,
                max=64,
                step=16,
            ),
            HpoParameter(
                name="batch_size",
                type="categorical",
                target="training_parameters.batch_size",
                values=(16, 32, 64),
            ),
        ),
        additional_metrics=("validation_accuracy", "training_time"),
        weights=ScoreWeights(validation_accuracy=0.9, training_time=0.1),
        max_trials=8,
        parallel_trials=2,
        max_failed_trials=3,
        early_stopping=early_stopping,
    )


def small() -> Spec:
    """One dense model, no HPO, no gates: the smallest pipeline."""
    dense = model("NeuralNetwork", "neural-network", "dense", {"units": [16]})
    return _spec("small", (dense,), conditions=Conditions(quality_gate=False))


def default_heavy() -> Spec:
    """Defaults everywhere (no resources, no retries, no timeout), one disabled model."""
    dense = model("NeuralNetwork", "neural-network", "dense", {"units": [100, 50]})
    cnn = model("CNN", "cnn", "cnn", {"filters": [32], "kernel_size": 3, "pool_size": 2})
    rnn = model("RNN", "rnn", "rnn", {"hidden_units": [8]}, enabled=False)
    return _spec("default-heavy", (dense, cnn, rnn))


def full() -> Spec:
    """The IDEKO example: four models, LSTM tuned, both gates, per-step settings."""
    defaults = dict(
        caching=True,
        retries=Retries(count=2, backoff="10s", factor=2.0, max_backoff="2m"),
        resources=Resources("1", "2", "1Gi", "4Gi"),
        timeout="1h",
    )
    base = StepSettings(**defaults)
    overrides = {
        "preprocess": replace(base, retries=replace(base.retries, count=1)),
        "train": replace(base, timeout="2h"),
        "register": replace(base, caching=False),
    }
    models = (
        model("NeuralNetwork", "neural-network", "dense", {"units": [100, 50]}),
        model("CNN", "cnn", "cnn", {"filters": [32, 64], "kernel_size": 3, "pool_size": 2}),
        model("RNN", "rnn", "rnn", {"hidden_units": [32, 16]}),
        model(
            "LSTM",
            "lstm",
            "lstm",
            {"hidden_units": [32, 16]},
            hpo=lstm_hpo(),
            resources=Resources(cpu_request="1", memory_request="2Gi", memory_limit="4Gi"),
        ),
    )
    return _spec(
        "ideko-anomaly-classification",
        models,
        execution=execution(**defaults, overrides=overrides),
        conditions=Conditions(quality_gate=True, promotion=Promotion("accuracy", 0.7)),
        selection=Selection(
            criteria=(
                Criterion("macro_f1", 0.7, "maximize"),
                Criterion("accuracy", 0.2, "maximize"),
                Criterion("training_time", 0.1, "minimize"),
            )
        ),
    )


def hpo_heavy() -> Spec:
    """Every model tuned, with different algorithms and parameter types."""
    discrete = HpoParameter(
        name="kernel_size",
        type="discrete",
        target="model_parameters.kernel_size",
        values=(3, 5, 7),
    )
    cnn_hpo = Hpo(
        algorithm="random",
        objective=Objective(metric="validation_accuracy", type="maximize"),
        parameters=(discrete,),
        max_trials=4,
        parallel_trials=4,
        max_failed_trials=1,
        algorithm_settings=(("random_state", "7"),),
    )
    models = (
        model("LSTM", "lstm", "lstm", {"hidden_units": [32, 16]}, hpo=lstm_hpo()),
        model(
            "CNN", "cnn", "cnn", {"filters": [32], "kernel_size": 3, "pool_size": 2}, hpo=cnn_hpo
        ),
        model(
            "gru_large",
            "gru-large",
            "gru",
            {"hidden_units": [64]},
            hpo=lstm_hpo(algorithm="bayesianoptimization", early_stopping=None),
        ),
    )
    return _spec(
        "hpo-heavy",
        models,
        conditions=Conditions(promotion=Promotion("macro_f1", 0.5)),
    )


def many_models(count: int) -> Spec:
    """A generated spec with ``count`` dense models (benchmarks, scaling tests)."""
    models = tuple(
        model(f"dense_{i}", f"dense-{i}", "dense", {"units": [8 + i]}) for i in range(count)
    )
    return _spec(f"many-{count}", models)


ALL = {"small": small, "default-heavy": default_heavy, "full": full, "hpo-heavy": hpo_heavy}
