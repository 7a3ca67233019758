"""The KServe model: a packaged ideko classifier behind KServe's own handlers.

``load`` resolves the source (model directory or registry reference), verifies the package
checksums, reads the preprocessing from its dataset metadata and loads the ``.keras`` file;
``preprocess`` turns a v1 or v2 request of RAW series into the padded, scaled input tensor;
``predict`` runs Keras; ``postprocess`` answers in the protocol the request came in. A bad
request raises KServe's ``InvalidInput`` (HTTP 400, ``{"error": "..."}``), never a traceback.

``reload`` is what KServe's model repository ``load`` endpoint calls: the new files are
loaded beside the old ones and swapped in only when everything checks out, so a failed
reload (a checksum, an alias pointing nowhere) is a 503 for that call while the version
already loaded keeps answering.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
from ideko.runtime.serving.package import ModelPackage, PackageError, load_package
from ideko.runtime.serving.preprocessing import InputError, Preprocessing, UnsupportedPreprocessing
from ideko.runtime.serving.requests import SERIES_INPUT, v1_series, v2_series
from ideko.runtime.serving.source import ModelSource, resolve
from kserve import Model
from kserve.errors import InvalidInput, ModelNotReady
from kserve.protocol.infer_type import InferOutput, InferRequest, InferResponse

LABEL_OUTPUT = "label"
PROBABILITIES_OUTPUT = "probabilities"


@dataclass(frozen=True)
class LoadedModel:
    """Everything one loaded version needs to answer requests."""

    keras_model: Any
    package: ModelPackage
    preprocessing: Preprocessing
    version: str | None


def load_version(source: ModelSource) -> LoadedModel:
    """Resolve, verify and load; :class:`PackageError`/``UserError`` say what is wrong."""
    from ideko.runtime.training.trainer import load_model

    resolved = resolve(source)
    package = load_package(resolved.folder)
    try:
        preprocessing = Preprocessing.from_metadata(package.dataset_metadata)
    except UnsupportedPreprocessing as exc:
        raise PackageError(f"{resolved.folder}: {exc}") from exc
    keras_model = load_model(package.keras_file)
    expected = (preprocessing.length, len(preprocessing.indicators))
    shape = tuple(keras_model.input_shape[1:])
    if shape != expected:
        raise PackageError(
            f"{package.keras_file} takes input {shape}, but its dataset metadata says "
            f"{expected} (padded length, indicators): the package mixes two models"
        )
    return LoadedModel(keras_model, package, preprocessing, resolved.version)


class SeriesClassifier(Model):
    """An ideko time-series classifier served by KServe (v1 and Open Inference Protocol v2)."""

    def __init__(self, name: str, source: ModelSource) -> None:
        super().__init__(name)
        self.source = source
        self.current: LoadedModel | None = None

    def load(self) -> bool:
        """Load (or reload) the source; the old version stays in place if this fails.

        One assignment swaps versions, and each request holds the version it started with
        (``preprocess`` passes it on), so a reload never mixes two models in one answer.
        """
        self.current = load_version(self.source)
        self.ready = True
        return self.ready

    def _loaded(self) -> LoadedModel:
        current = self.current
        if current is None:
            raise ModelNotReady(self.name, "it has not been loaded")
        return current

    def get_input_types(self) -> list[dict[str, Any]]:
        prep = self._loaded().preprocessing
        return [{"name": SERIES_INPUT, "datatype": "FP32", "shape": [-1, -1, len(prep.indicators)]}]

    def get_output_types(self) -> list[dict[str, Any]]:
        classes = self._loaded().preprocessing.classes
        return [
            {"name": LABEL_OUTPUT, "datatype": "BYTES", "shape": [-1]},
            {"name": PROBABILITIES_OUTPUT, "datatype": "FP32", "shape": [-1, len(classes)]},
        ]

    def describe(self) -> dict[str, Any]:
        """What is being served: version, source, indicators, classes, length (for logs/CLI)."""
        loaded = self._loaded()
        prep = loaded.preprocessing
        return {
            "name": self.name,
            "version": loaded.version,
            "source": self.source.describe(),
            "model": loaded.package.model_config.get("name"),
            "indicators": list(prep.indicators),
            "classes": list(prep.classes),
            "max_points": prep.length,
        }

    async def preprocess(
        self, payload: dict[str, Any] | InferRequest, headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        loaded = self._loaded()
        indicators = loaded.preprocessing.indicators
        try:
            if isinstance(payload, InferRequest):
                series = v2_series(payload.inputs, indicators)
                request = {"v2": True, "id": payload.id}
            else:
                series = v1_series(payload, indicators)
                request = {"v2": False, "id": None}
            x = loaded.preprocessing.transform(series)
        except InputError as exc:
            raise InvalidInput(str(exc)) from None
        return {**request, "x": x, "loaded": loaded}

    def predict(
        self, payload: dict[str, Any], headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        loaded: LoadedModel = payload["loaded"]
        probabilities = np.asarray(loaded.keras_model.predict_on_batch(payload["x"]))
        return {**payload, "probabilities": probabilities.astype(np.float32)}

    def postprocess(
        self, result: dict[str, Any], headers: dict[str, str] | None = None
    ) -> dict[str, Any] | InferResponse:
        loaded: LoadedModel = result["loaded"]
        classes = list(loaded.preprocessing.classes)
        probabilities: np.ndarray = result["probabilities"]
        labels = [classes[i] for i in probabilities.argmax(axis=1)]
        if not result["v2"]:
            return {
                "predictions": [
                    {"label": label, "probabilities": dict(zip(classes, row.tolist(), strict=True))}
                    for label, row in zip(labels, probabilities, strict=True)
                ],
                "model_version": loaded.version,
            }
        outputs = [
            InferOutput(LABEL_OUTPUT, [len(labels)], "BYTES", data=labels),
            InferOutput(
                PROBABILITIES_OUTPUT,
                list(probabilities.shape),
                "FP32",
                data=probabilities.flatten().tolist(),
                parameters={"classes": json.dumps(classes)},
            ),
        ]
        return InferResponse(
            response_id=result["id"] or "",
            model_name=self.name,
            model_version=loaded.version,
            infer_outputs=outputs,
        )
