"""Typed, validated view of an ideko spec: what the builders consume.

The loader (``load.loader``) is the only producer of these objects; every default is
already filled in, every cross-reference already checked. Builders never look at raw YAML.
The ``*_config`` helpers produce the plain-JSON sections that the runtime receives as step
parameters: that JSON is the compiler/runtime contract (see ``runtime/README.md``).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from ideko.schema.architectures import Architecture
from ideko.schema.defaults import DEFAULT_STORE_ENDPOINT, DEFAULT_STORE_SECRET, default_of
from ideko.schema.documents import CONTRACTS, DocumentKind
from ideko.schema.steps import StepKind

SplitStrategy = Literal["random", "stratified", "by_day"]
ParameterType = Literal["int", "double", "categorical", "discrete"]



def versioned(kind: DocumentKind, body: dict[str, Any]) -> dict[str, Any]:
    """``body`` stamped with its contract's version (``ideko.schema.documents``), which the
    runtime checks on read: a config from a newer compiler is refused, not misread."""
    contract = CONTRACTS[kind]
    return {contract.version_field: contract.current, **body}


def _schema_default(def_name: str, prop: str) -> Any:
    """A field defaulting to the schema's ``default`` for ``$defs.<def_name>.<prop>`` (a list
    as a tuple, the typed form), so the typed objects hold no copy of a default."""
    value = default_of(def_name, prop)
    return field(default=tuple(value) if isinstance(value, list) else value)


@dataclass(frozen=True)
class Metadata:
    name: str  # valid Kubernetes / KFP pipeline name
    description: str
    version: str


@dataclass(frozen=True)
class LocalSource:
    path: str


@dataclass(frozen=True)
class LakeFSCredentials:
    """Where the preprocess pod gets lakeFS keys: a Kubernetes secret's keys, or its env."""

    secret: str | None = _schema_default("lakefsCredentials", "secret")
    access_key_id_key: str = _schema_default("lakefsCredentials", "access_key_id_key")
    secret_access_key_key: str = _schema_default("lakefsCredentials", "secret_access_key_key")


@dataclass(frozen=True)
class LakeFSSource:
    """A lakeFS repository and path; ``ref`` is the default of the ``data_ref`` parameter."""

    endpoint: str
    repository: str
    ref: str
    path: str
    credentials: LakeFSCredentials = LakeFSCredentials()
    run_branches: bool = _schema_default("lakefsSource", "run_branches")


@dataclass(frozen=True)
class DvcSource:
    """A git repository (DVC-tracked data folder) read with ``dvc.api`` at one revision."""

    repo: str
    path: str
    ref: str = _schema_default("dvcSource", "ref")
    run_branches: bool = _schema_default("dvcSource", "run_branches")


@dataclass(frozen=True)
class DataSource:
    """Exactly one of the four is set."""

    local: LocalSource | None = None
    lakefs: LakeFSSource | None = None
    uri: str | None = None  # s3://, gs://, minio:// object-store prefix
    dvc: DvcSource | None = None

    def location(self) -> str:
        """The default value of the pipeline's ``data_uri`` parameter (never a ref: that is
        ``data_ref``, so the URI names *what* is read and the ref *which version*)."""
        if self.local is not None:
            return self.local.path
        if self.lakefs is not None:
            return f"lakefs://{self.lakefs.repository}/{self.lakefs.path.strip('/')}"
        if self.dvc is not None:
            return f"dvc+{self.dvc.repo}#{self.dvc.path.strip('/')}"
        assert self.uri is not None
        return self.uri

    def run_branches(self) -> bool:
        """Whether every run gets its own experiment branch from the pinned commit."""
        versioned = self.lakefs or self.dvc
        return bool(versioned and versioned.run_branches)

    def ref(self) -> str:
        """The default of the pipeline's ``data_ref`` parameter: the versioned source's ref,
        empty for an unversioned one (local path, object-store prefix)."""
        if self.lakefs is not None:
            return self.lakefs.ref
        if self.dvc is not None:
            return self.dvc.ref
        return ""


@dataclass(frozen=True)
class Padding:
    value: float = _schema_default("padding", "value")
    side: Literal["post", "pre"] = _schema_default("padding", "side")


@dataclass(frozen=True)
class LengthPolicy:
    """Series longer than ``max_length`` are truncated or resampled (``none``: kept whole)."""

    policy: Literal["none", "truncate", "resample"] = _schema_default("lengthPolicy", "policy")
    max_length: int | None = _schema_default("lengthPolicy", "max_length")


@dataclass(frozen=True)
class Validation:
    """Validation rows drawn from the training set (``auto``: tail for random, else stratified)."""

    strategy: Literal["auto", "tail", "stratified", "by_day"] = _schema_default(
        "validation", "strategy"
    )
    size: float = _schema_default("validation", "size")  # of the training rows (or days)
    days: tuple[str, ...] = _schema_default("validation", "days")  # by_day: named days


@dataclass(frozen=True)
class Split:
    strategy: SplitStrategy = _schema_default("split", "strategy")  # noqa: RUF009 (a field)
    # fraction of series (random/stratified) or of days (by_day)
    test_size: float = _schema_default("split", "test_size")
    test_days: tuple[str, ...] = _schema_default("split", "test_days")  # by_day: days held out
    seed: int = _schema_default("split", "seed")
    validation: Validation = Validation()


@dataclass(frozen=True)
class QualityGate:
    min_series: int = _schema_default("qualityGate", "min_series")
    min_per_class: int = _schema_default("qualityGate", "min_per_class")
    max_nan_fraction: float = _schema_default("qualityGate", "max_nan_fraction")
    required_indicators: tuple[str, ...] = _schema_default("qualityGate", "required_indicators")
    min_validation_series: int = _schema_default("qualityGate", "min_validation_series")
    min_validation_per_class: int = _schema_default("qualityGate", "min_validation_per_class")
    validation_failure: Literal["warn", "fail"] = _schema_default(
        "qualityGate", "validation_failure"
    )


@dataclass(frozen=True)
class DataSpec:
    source: DataSource
    indicators: tuple[str, ...]
    classes: tuple[tuple[str, str], ...]  # (folder, label name) in spec order
    padding: Padding = Padding()
    scaling: Literal["none", "standard", "minmax"] = _schema_default("data", "scaling")
    split: Split = Split()
    quality_gate: QualityGate = QualityGate()
    series_normalisation: Literal["none", "zscore"] = _schema_default(
        "data", "series_normalisation"
    )
    length: LengthPolicy = LengthPolicy()


@dataclass(frozen=True)
class Resources:
    cpu_request: str | None = None
    cpu_limit: str | None = None
    memory_request: str | None = None
    memory_limit: str | None = None


@dataclass(frozen=True)
class Retries:
    count: int = _schema_default("retries", "count")
    backoff: str = _schema_default("retries", "backoff")  # duration string: 10s, 2m, 1h
    factor: float = _schema_default("retries", "factor")
    max_backoff: str = _schema_default("retries", "max_backoff")


@dataclass(frozen=True)
class StepSettings:
    """Effective settings of one step kind after merging execution.defaults."""

    caching: bool
    retries: Retries
    resources: Resources
    timeout: str | None  # duration string or None for no timeout
    own_resources: bool = False  # execution.steps.<kind>.resources written, not only inherited



@dataclass(frozen=True)
class Execution:
    parallelism: int
    caching: bool  # pipeline default
    steps: dict[StepKind, StepSettings]  # every StepKind present, defaults merged


@dataclass(frozen=True)
class HpoParameter:
    name: str  # Katib parameter name (also the trialParameter name)
    type: ParameterType
    target: str  # dotted path inside the model config, e.g. model_parameters.hidden_units.0
    min: float | int | None = None
    max: float | int | None = None
    step: float | int | None = None
    distribution: Literal["uniform", "logUniform", "normal", "logNormal"] | None = None
    values: tuple[str | int | float, ...] = ()


@dataclass(frozen=True)
class Objective:
    metric: str  # e.g. validation_accuracy, score
    type: Literal["maximize", "minimize"]  # the loader fills it from the metric (metric_goal)
    goal: float | None = None


@dataclass(frozen=True)
class ScoreWeights:
    """score = validation_accuracy * w_acc - training_time / time_reference_seconds * w_time."""

    validation_accuracy: float
    training_time: float
    time_reference_seconds: float = _schema_default("scoreWeights", "time_reference_seconds")


@dataclass(frozen=True)
class EarlyStopping:
    algorithm: Literal["medianstop"] = _schema_default("earlyStopping", "algorithm")
    min_trials_required: int = _schema_default("earlyStopping", "min_trials_required")
    start_step: int = _schema_default("earlyStopping", "start_step")


@dataclass(frozen=True)
class Hpo:
    # Katib name: random, grid, tpe, multivariate-tpe, bayesianoptimization, cmaes, sobol
    algorithm: str
    objective: Objective
    parameters: tuple[HpoParameter, ...]
    additional_metrics: tuple[str, ...] = _schema_default("hpo", "additional_metrics")
    weights: ScoreWeights | None = None
    max_trials: int = _schema_default("budget", "max_trials")
    parallel_trials: int = _schema_default("budget", "parallel_trials")
    max_failed_trials: int = _schema_default("budget", "max_failed_trials")
    early_stopping: EarlyStopping | None = None
    algorithm_settings: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Model:
    key: str  # the key as written in the spec (NeuralNetwork, lstm_large, ...)
    name: str  # normalised Kubernetes name: neural-network, lstm-large
    architecture: Architecture
    enabled: bool
    name_parameters: dict[str, str]  # folder_name, model_name (defaults filled)
    model_parameters: dict[str, Any]  # defaults filled (masking, dropout)
    training_parameters: dict[str, Any]  # defaults filled (optimizer, patience, ...)
    resources: Resources = Resources()
    hpo: Hpo | None = None

    @property
    def identifier(self) -> str:
        """Python/KFP-safe identifier derived from ``name`` (``-`` -> ``_``)."""
        return self.name.replace("-", "_")

    def config(self) -> dict[str, Any]:
        """The ``model_config`` JSON section handed to the runtime's train/evaluate steps."""
        return versioned("model_config", {
            "name": self.name,
            "key": self.key,
            "architecture": self.architecture,
            "name_parameters": dict(self.name_parameters),
            "model_parameters": dict(self.model_parameters),
            "training_parameters": dict(self.training_parameters),
        })


@dataclass(frozen=True)
class Promotion:
    metric: str  # accuracy, macro_f1, ...
    threshold: float


@dataclass(frozen=True)
class Conditions:
    quality_gate: bool = _schema_default("conditions", "quality_gate")
    promotion: Promotion | None = None


@dataclass(frozen=True)
class Criterion:
    # accuracy, macro_f1, macro_precision, macro_recall, training_time, model_size,
    # inference_latency
    metric: str
    weight: float
    goal: Literal["maximize", "minimize"]  # filled from the metric when omitted


@dataclass(frozen=True)
class Selection:
    criteria: tuple[Criterion, ...]


@dataclass(frozen=True)
class Registry:
    uri: str


@dataclass(frozen=True)
class Serving:
    """The KServe InferenceService: which registered model it serves and with what."""

    name: str  # the InferenceService, also the model name in its URLs
    model: str  # the registered model
    ref: str = _schema_default("serving", "ref")  # alias or version, resolved at start-up
    min_replicas: int = _schema_default("serving", "min_replicas")
    max_replicas: int = _schema_default("serving", "max_replicas")
    resources: Resources = Resources()


@dataclass(frozen=True)
class ArtifactStore:
    """The object store KFP keeps artifacts in, as a Katib trial reaches it.

    Trials are plain Job pods outside KFP's launcher, so they read the dataset URI the tune
    step hands them (``minio://``, ``s3://``) themselves; this says where and with what.
    ``endpoint`` None means the provider's own endpoint (AWS S3, GCS); ``secret`` None means
    no static keys (workload identity such as IRSA, through ``service_account``).
    """

    endpoint: str | None = DEFAULT_STORE_ENDPOINT  # host[:port] or http(s)://host[:port]
    secure: bool = False  # HTTPS; the loader sets it from an https:// endpoint when omitted
    region: str | None = None
    secret: str | None = DEFAULT_STORE_SECRET
    access_key_field: str = _schema_default("artifactStore", "access_key_field")
    secret_key_field: str = _schema_default("artifactStore", "secret_key_field")
    service_account: str | None = None  # the trial pods' Kubernetes service account

    def endpoint_value(self) -> str | None:
        """The endpoint for the runtime: bare ``host:port`` for HTTP, ``https://…`` for HTTPS.

        Bare for HTTP keeps Kubeflow's default exactly as KFP's own manifests write it; the
        runtime reads a bare endpoint as ``http://``.
        """
        if self.endpoint is None:
            return None
        _, sep, rest = self.endpoint.partition("://")
        address = (rest if sep else self.endpoint).rstrip("/")
        return f"https://{address}" if self.secure else address


@dataclass(frozen=True)
class Spec:
    source_path: str  # the spec file as given (used in errors)
    source_in_repo: str  # the spec relative to its repository root (used in generated headers)
    metadata: Metadata
    image: str
    data: DataSpec
    models: tuple[Model, ...]  # spec order, disabled ones included
    execution: Execution
    conditions: Conditions
    selection: Selection
    registry: Registry
    extras: dict[str, Any] = field(default_factory=dict)
    artifact_store: ArtifactStore = ArtifactStore()  # runtime.artifact_store, defaults filled
    serving: Serving | None = None  # None: no InferenceService (serving.enabled: false)

    @property
    def enabled_models(self) -> tuple[Model, ...]:
        return tuple(m for m in self.models if m.enabled)

    def data_config(self) -> dict[str, Any]:
        """The ``data_config`` JSON section handed to the runtime's preprocess step."""
        data = self.data
        return versioned("data_config", {
            "indicators": list(data.indicators),
            "classes": dict(data.classes),
            "padding": asdict(data.padding),
            "scaling": data.scaling,
            "series_normalisation": data.series_normalisation,
            "length": asdict(data.length),
            "split": {
                **asdict(data.split),
                "test_days": list(data.split.test_days),
                "validation": {
                    **asdict(data.split.validation),
                    "days": list(data.split.validation.days),
                },
            },
            "quality_gate": {
                **asdict(data.quality_gate),
                "required_indicators": list(data.quality_gate.required_indicators),
            },
        })

    def selection_config(self) -> dict[str, Any]:
        """The ``selection_config`` JSON section handed to the runtime's compare step."""
        return {"criteria": [asdict(c) for c in self.selection.criteria]}

    def promotion_config(self) -> dict[str, Any]:
        """The ``promotion_config`` JSON section; ``{}`` means promotion is not gated."""
        promo = self.conditions.promotion
        return {} if promo is None else asdict(promo)


def canonical_json(value: Any) -> str:
    """The one JSON encoding used for config parameters: sorted keys, no spaces."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))
