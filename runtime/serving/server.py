"""KServe's own ``ModelServer`` around one :class:`SeriesClassifier`, with reloads.

The repository's ``load`` (``POST /v2/repository/models/NAME/load``, KServe's model
repository extension) re-resolves the model's source and swaps the new version in only when
it loads: a promotion reaches a running server without a restart, and a broken one (failed
checksum, alias pointing nowhere) is refused with a 503 body while the loaded version keeps
answering.
"""

from __future__ import annotations

from ideko.runtime.serving.model import SeriesClassifier
from kserve import ModelRepository, ModelServer
from kserve.errors import ModelNotFound

DEFAULT_HTTP_PORT = 8080  # KServe's container port for custom predictors


class ReloadingRepository(ModelRepository):
    """KServe's in-memory repository whose ``load`` reloads a registered model in place."""

    def load(self, name: str) -> bool:
        model = self.get_model(name)
        if not isinstance(model, SeriesClassifier):
            raise ModelNotFound(name)
        serving = model.current.version if model.current else None
        try:
            return model.load()
        except Exception as exc:
            still = f"version {serving}" if serving else "the version loaded at start-up"
            raise RuntimeError(f"reload of {name} failed, still serving {still}: {exc}") from exc


def serve(model: SeriesClassifier, http_port: int = DEFAULT_HTTP_PORT) -> None:
    """Start KServe's REST server (v1 and v2, no gRPC) on ``http_port``; blocks until stopped.

    ``model`` must be loaded already: a model that cannot load is an error at start-up
    (``ideko serve`` prints one line; on a cluster the pod restarts while the previous
    revision keeps serving).
    """
    server = ModelServer(
        http_port=http_port,
        enable_grpc=False,
        workers=1,
        registered_models=ReloadingRepository(),
    )
    server.start([model])
