"""Build the typed ``Spec`` objects from filled-in data (schema-valid, every default set).

Pure construction: no checks happen here (the schema ran before, semantic checks run after),
so every lookup below may assume the key exists.
"""

from __future__ import annotations

from typing import Any

from ideko.compiler.load.source import SpecSource
from ideko.compiler.load.spec_model import (
    ArtifactStore,
    Conditions,
    Criterion,
    DataSource,
    DataSpec,
    DvcSource,
    EarlyStopping,
    Execution,
    Hpo,
    HpoParameter,
    LakeFSCredentials,
    LakeFSSource,
    LengthPolicy,
    LocalSource,
    Metadata,
    Model,
    Objective,
    Padding,
    Promotion,
    QualityGate,
    Registry,
    Resources,
    Retries,
    ScoreWeights,
    Selection,
    Serving,
    Spec,
    Split,
    StepSettings,
    Validation,
)
from ideko.schema.names import k8s_name


def to_spec(data: dict[str, Any], source: SpecSource) -> Spec:
    """The typed view builders consume; ``source`` is where the loader found the spec."""
    conditions = data["conditions"]
    promotion = conditions["promotion"]
    return Spec(
        source_path=source.display,
        source_in_repo=source.in_repo,
        metadata=Metadata(**data["metadata"]),
        image=data["runtime"]["image"],
        data=_data(data["data"]),
        models=tuple(_model(key, m) for key, m in data["models"].items()),
        execution=_execution(data["execution"]),
        conditions=Conditions(
            quality_gate=conditions["quality_gate"],
            promotion=None if promotion is None else Promotion(**promotion),
        ),
        selection=Selection(tuple(Criterion(**c) for c in data["selection"]["criteria"])),
        registry=Registry(uri=data["registry"]["uri"]),
        artifact_store=ArtifactStore(**data["runtime"]["artifact_store"]),
        serving=_serving(data["serving"]),
    )


def _serving(serving: dict[str, Any]) -> Serving | None:
    if not serving["enabled"]:
        return None
    fields = {k: v for k, v in serving.items() if k != "enabled"}
    return Serving(**{**fields, "resources": Resources(**serving["resources"])})


def _lakefs(source: dict[str, Any]) -> LakeFSSource:
    fields = {k: v for k, v in source.items() if k != "credentials"}
    return LakeFSSource(**fields, credentials=LakeFSCredentials(**source.get("credentials", {})))


def _data(data: dict[str, Any]) -> DataSpec:
    source = data["source"]
    split = data["split"]
    gate = data["quality_gate"]
    return DataSpec(
        source=DataSource(
            local=LocalSource(**source["local"]) if "local" in source else None,
            lakefs=_lakefs(source["lakefs"]) if "lakefs" in source else None,
            uri=source.get("uri"),
            dvc=DvcSource(**source["dvc"]) if "dvc" in source else None,
        ),
        indicators=tuple(data["indicators"]),
        classes=tuple(data["classes"].items()),
        padding=Padding(value=float(data["padding"]["value"]), side=data["padding"]["side"]),
        scaling=data["scaling"],
        series_normalisation=data["series_normalisation"],
        length=LengthPolicy(**data["length"]),
        split=Split(
            strategy=split["strategy"],
            test_size=float(split["test_size"]),
            test_days=tuple(split["test_days"]),
            seed=split["seed"],
            validation=Validation(
                strategy=split["validation"]["strategy"],
                size=float(split["validation"]["size"]),
                days=tuple(split["validation"]["days"]),
            ),
        ),
        quality_gate=QualityGate(
            min_series=gate["min_series"],
            min_per_class=gate["min_per_class"],
            max_nan_fraction=float(gate["max_nan_fraction"]),
            required_indicators=tuple(gate["required_indicators"]),
            min_validation_series=gate["min_validation_series"],
            min_validation_per_class=gate["min_validation_per_class"],
            validation_failure=gate["validation_failure"],
        ),
    )


def _model(key: str, model: dict[str, Any]) -> Model:
    return Model(
        key=key,
        name=k8s_name(key),
        architecture=model["architecture"],
        enabled=model["enabled"],
        name_parameters=dict(model["name_parameters"]),
        model_parameters=dict(model["model_parameters"]),
        training_parameters=dict(model["training_parameters"]),
        resources=Resources(**model["resources"]),
        hpo=_hpo(model["hpo"]) if "hpo" in model else None,
    )


def _hpo(hpo: dict[str, Any]) -> Hpo:
    budget = hpo["budget"]
    stopping = hpo.get("early_stopping")
    weights = hpo.get("weights")
    return Hpo(
        algorithm=hpo["algorithm"],
        objective=Objective(**hpo["objective"]),
        parameters=tuple(_parameter(name, p) for name, p in hpo["parameters"].items()),
        additional_metrics=tuple(hpo["additional_metrics"]),
        weights=None if weights is None else ScoreWeights(
            **{k: float(v) for k, v in weights.items()}
        ),
        max_trials=budget["max_trials"],
        parallel_trials=budget["parallel_trials"],
        max_failed_trials=budget["max_failed_trials"],
        early_stopping=None if stopping is None else EarlyStopping(**stopping),
        algorithm_settings=tuple(
            (str(k), str(v).lower() if isinstance(v, bool) else str(v))
            for k, v in hpo["algorithm_settings"].items()
        ),
    )


def _parameter(name: str, param: dict[str, Any]) -> HpoParameter:
    return HpoParameter(
        name=name,
        type=param["type"],
        target=param["target"],
        min=param.get("min"),
        max=param.get("max"),
        step=param.get("step"),
        distribution=param.get("distribution"),
        values=tuple(param.get("values", ())),
    )


def _execution(execution: dict[str, Any]) -> Execution:
    steps = {
        kind: StepSettings(
            caching=s["caching"],
            retries=Retries(**{**s["retries"], "factor": float(s["retries"]["factor"])}),
            resources=Resources(**s["resources"]),
            timeout=s["timeout"],
            own_resources=s["own_resources"],
        )
        for kind, s in execution["steps"].items()
    }
    return Execution(
        parallelism=execution["parallelism"], caching=execution["caching"], steps=steps
    )
