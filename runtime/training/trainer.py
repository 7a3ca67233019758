"""The training loop of the original script, plus Katib metric lines.

``model.fit(validation_data=…)`` on the dataset's validation rows (the split's ``validation``
mask; without one, the last ``validation_split`` of the rows, which is exactly what the
original's ``validation_split`` used), with ``EarlyStopping(val_loss, patience, min_delta)``
and the epoch kept by ``training_parameters.checkpoint``:

- ``val_accuracy`` (the original): a best-only ``ModelCheckpoint`` on ``val_accuracy`` (mode
  max), reloaded afterwards; Keras' strict improvement keeps the *first* epoch of the maximum;
- ``val_accuracy_then_loss`` / ``val_loss`` / ``loss``: the best epoch's weights kept in
  memory (:func:`selection_key`); a small validation set reaches 1.0 accuracy within a few
  epochs, and the lowest validation loss among those epochs is a better pick than the first;
  ``loss`` (the lowest *training* loss) is Ismail Fawaz et al. 2019's rule, for validation
  sets too small to rank epochs at all.

``reduce_lr_patience > 0`` adds the papers' ``ReduceLROnPlateau`` on the training loss;
``refit`` trains a fresh model on every training row for the kept number of epochs and saves
that one. Keras runs with ``verbose=0``: stdout carries only metric lines (see
:mod:`ideko.runtime.training.metric_output`).
"""

from __future__ import annotations

import itertools
import math
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ideko.runtime.atomic import atomic_directory, write_bytes, write_json
from ideko.runtime.training import metric_output
from ideko.runtime.training.builders import build_model
from ideko.runtime.training.environment import prepare_tensorflow, set_seeds

HISTORY_FILE = "history.json"
HISTORY_PLOT = "history.png"
ORIGINAL_CHECKPOINT = "val_accuracy"  # the original script's rule: ModelCheckpoint, file-based


@dataclass
class TrainResult:
    """What one training run produced; ``model`` holds the best epoch's weights."""

    model: Any
    history: dict[str, list[float]]
    training_time: float
    validation_accuracy: float
    best_epoch: int
    notes: list[str] = field(default_factory=list)
    model_dir: Path | None = None
    epoch_seconds: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """The JSON written as ``history.json`` beside the model."""
        return {
            "history": self.history,
            "epochs_run": len(self.history.get("loss", [])),
            "best_epoch": self.best_epoch,
            "validation_accuracy": self.validation_accuracy,
            "training_time": self.training_time,
            "epoch_seconds": self.epoch_seconds,
            "notes": self.notes,
        }


def load_model(path: str | Path) -> Any:
    """Load a saved ``.keras`` model, custom ideko layers included."""
    import ideko.runtime.training.layers  # noqa: F401  (registers the custom layers)
    import keras

    prepare_tensorflow()  # also silences the mask warning a rebuilt "original" model repeats
    return keras.models.load_model(str(path), compile=False)


def _epoch_callback(
    score_weights: dict[str, float] | None,
    started: list[float],
    emit_metrics: bool,
    epoch_ends: list[float],
) -> Any:
    import keras

    class KatibLines(keras.callbacks.Callback):
        """Prints ``epoch=N loss=… accuracy=… validation_loss=… validation_accuracy=…``.

        With score weights, also ``score=``: the score the run would have if it stopped now
        (best validation accuracy so far, as the checkpoint keeps, and the time spent so far).
        """

        best = float("-inf")

        def on_train_begin(self, logs: dict[str, float] | None = None) -> None:
            started.append(time.perf_counter())

        def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
            epoch_ends.append(time.perf_counter())
            logs = logs or {}
            if logs.get("val_accuracy") is not None and math.isfinite(logs["val_accuracy"]):
                self.best = max(self.best, float(logs["val_accuracy"]))
            if not emit_metrics:
                return
            values = {
                "epoch": float(epoch + 1),
                "loss": logs.get("loss"),
                "accuracy": logs.get("accuracy"),
                "validation_loss": logs.get("val_loss"),
                "validation_accuracy": logs.get("val_accuracy"),
            }
            if score_weights is not None and math.isfinite(self.best):
                elapsed = time.perf_counter() - started[-1]
                values["score"] = metric_output.score(self.best, elapsed, score_weights)
            metric_output.emit(values)

    return KatibLines()


def validation_mask(n: int, validation_rows: Any, validation_split: float) -> Any:
    """The rows to validate on: the dataset's mask, else Keras' ``validation_split`` tail."""
    import numpy as np

    if validation_rows is not None:
        return np.asarray(validation_rows, dtype=bool)
    mask = np.zeros(n, dtype=bool)
    mask[math.floor(n * (1.0 - validation_split)) :] = True
    return mask


def train_model(
    config: dict[str, Any],
    x_train: Any,
    y_train: Any,
    seed: int,
    output_dir: str | Path | None = None,
    padding_value: float = 0.0,
    score_weights: dict[str, float] | None = None,
    emit_metrics: bool = True,
    lineage: dict[str, Any] | None = None,
    validation_rows: Any = None,
) -> TrainResult:
    """Train the model of a normalised ``config``; write its artifacts to ``output_dir``.

    ``validation_rows`` (bool per row of ``x_train``) are held out for validation; ``None``
    means the last ``training_parameters.validation_split`` of the rows.

    ``output_dir`` (optional for Katib trials) receives the ``.keras`` file named by
    ``name_parameters.model_name``, ``history.json`` and ``history.png``, atomically;
    ``lineage`` (where the data came from) is stored in ``history.json`` with the seed.
    """
    if len(x_train) < 2:
        raise ValueError(f"training needs at least 2 series, got {len(x_train)}")
    training = config["training_parameters"]
    held = validation_mask(len(x_train), validation_rows, float(training["validation_split"]))
    if held.all() or not held.any():
        raise ValueError(
            f"{int(held.sum())} of {len(x_train)} training series are validation rows; "
            "training needs both"
        )
    set_seeds(seed)
    import keras

    rule = str(training["checkpoint"])
    built = build_model(config, tuple(x_train.shape[1:]), int(y_train.shape[1]), padding_value)
    started: list[float] = []
    epoch_ends: list[float] = []
    with tempfile.TemporaryDirectory(prefix="ideko-train-") as scratch:
        checkpoint = Path(scratch) / config["name_parameters"]["model_name"]
        keeper = _checkpoint_callback(rule, checkpoint)
        callbacks = [
            keras.callbacks.EarlyStopping(
                monitor="val_loss",
                patience=int(training["patience"]),
                min_delta=float(training["min_delta"]),
            ),
            keeper,
            *_schedule_callbacks(training),
            _epoch_callback(score_weights, started, emit_metrics, epoch_ends),
        ]
        fit = built.model.fit(
            x_train[~held],
            y_train[~held],
            epochs=int(training["epochs"]),
            batch_size=int(training["batch_size"]),
            validation_data=(x_train[held], y_train[held]),
            callbacks=callbacks,
            verbose=0,
        )
        training_time = time.perf_counter() - started[-1]
        history = {k: [float(v) for v in values] for k, values in fit.history.items()}
        if rule != ORIGINAL_CHECKPOINT:
            if keeper.weights is not None:
                built.model.set_weights(keeper.weights)
            best_model = built.model
        else:
            best_model = load_model(checkpoint) if checkpoint.exists() else built.model
        result = _result(best_model, history, training_time, built.notes, rule)
        marks = [started[-1], *epoch_ends]
        result.epoch_seconds = [b - a for a, b in itertools.pairwise(marks)]
        if bool(training["refit"]) and output_dir is not None:
            result.model = _refit(config, x_train, y_train, seed, padding_value, result)
            result.training_time = time.perf_counter() - started[-1]
            checkpoint.unlink(missing_ok=True)  # the refitted model is the one saved
        if emit_metrics:
            final = {
                "validation_accuracy": result.validation_accuracy,
                "training_time": result.training_time,
            }
            if score_weights is not None:
                final["score"] = metric_output.score(
                    result.validation_accuracy, result.training_time, score_weights
                )
            metric_output.emit(final)
        if output_dir is not None:
            where = {**(lineage or {}), "seed": seed}
            result.model_dir = save_artifacts(result, config, checkpoint, Path(output_dir), where)
    return result


def _checkpoint_callback(rule: str, checkpoint: Path) -> Any:
    """The original's best-only ``ModelCheckpoint`` for ``val_accuracy``, else best weights
    kept in memory (no ``.keras`` file written per improving epoch)."""
    import keras

    if rule == ORIGINAL_CHECKPOINT:
        return keras.callbacks.ModelCheckpoint(
            str(checkpoint), monitor="val_accuracy", mode="max", save_best_only=True
        )
    return _keep_best_callback(rule)


def _schedule_callbacks(training: dict[str, Any]) -> list[Any]:
    """``ReduceLROnPlateau`` on the training loss when ``reduce_lr_patience`` > 0."""
    import keras

    patience = int(training["reduce_lr_patience"])
    if patience == 0:
        return []
    return [
        keras.callbacks.ReduceLROnPlateau(
            monitor="loss",
            factor=float(training["reduce_lr_factor"]),
            patience=patience,
            min_lr=float(training["min_learning_rate"]),
        )
    ]


def _refit(
    config: dict[str, Any],
    x_train: Any,
    y_train: Any,
    seed: int,
    padding_value: float,
    selected: TrainResult,
) -> Any:
    """A fresh model (same seed) trained on every row for the epochs the checkpoint kept."""
    set_seeds(seed)
    training = config["training_parameters"]
    built = build_model(config, tuple(x_train.shape[1:]), int(y_train.shape[1]), padding_value)
    fit = built.model.fit(
        x_train,
        y_train,
        epochs=selected.best_epoch,
        batch_size=int(training["batch_size"]),
        callbacks=_schedule_callbacks(training),
        verbose=0,
    )
    selected.history.update(
        {f"refit_{k}": [float(v) for v in values] for k, values in fit.history.items()}
    )
    selected.notes.append(
        f"refit: trained again on all {len(x_train)} training series for the "
        f"{selected.best_epoch} epochs the checkpoint kept; the saved model is that one"
    )
    return built.model


def selection_key(
    rule: str, val_accuracy: float, val_loss: float, epoch: int, loss: float = math.nan
) -> tuple[float, ...]:
    """Sort key of one epoch under a checkpoint rule: the kept epoch has the largest key.

    Ties on every metric go to the earlier epoch (``-epoch``), as Keras' strict improvement
    does; a non-finite metric ranks below every finite one.
    """
    acc = val_accuracy if math.isfinite(val_accuracy) else -math.inf
    validation = val_loss if math.isfinite(val_loss) else math.inf
    training = loss if math.isfinite(loss) else math.inf
    if rule == ORIGINAL_CHECKPOINT:
        return (acc, -epoch)
    if rule == "val_accuracy_then_loss":
        return (acc, -validation, -epoch)
    if rule == "val_loss":
        return (-validation, -epoch)
    if rule == "loss":  # the training loss
        return (-training, -epoch)
    raise ValueError(f"training_parameters.checkpoint: unknown rule {rule!r}")


def _keep_best_callback(rule: str) -> Any:
    """A callback keeping the best epoch's weights under ``rule`` in memory
    (:func:`selection_key`); ``.weights`` is ``None`` until an epoch ends."""
    import keras

    class KeepBestWeights(keras.callbacks.Callback):
        weights: list[Any] | None = None
        best: tuple[float, ...] | None = None

        def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
            logs = logs or {}
            key = selection_key(
                rule,
                float(logs.get("val_accuracy", math.nan)),
                float(logs.get("val_loss", math.nan)),
                epoch + 1,
                float(logs.get("loss", math.nan)),
            )
            if self.best is None or key > self.best:
                self.best = key
                self.weights = self.model.get_weights()

    return KeepBestWeights()


def _result(
    model: Any,
    history: dict[str, list[float]],
    seconds: float,
    notes: list[str],
    rule: str = "val_accuracy",
) -> TrainResult:
    val = history.get("val_accuracy", [])
    losses = history.get("val_loss", [math.nan] * len(val))
    if not val:
        return TrainResult(model, history, seconds, 0.0, 1, list(notes))
    train = history.get("loss", [math.nan] * len(val))
    keys = [selection_key(rule, v, losses[i], i + 1, train[i]) for i, v in enumerate(val)]
    best_index = max(range(len(val)), key=keys.__getitem__)
    best_value = val[best_index] if math.isfinite(val[best_index]) else 0.0
    return TrainResult(model, history, seconds, float(best_value), best_index + 1, list(notes))


def save_artifacts(
    result: TrainResult,
    config: dict[str, Any],
    checkpoint: Path,
    target: Path,
    lineage: dict[str, Any] | None = None,
) -> Path:
    """Write the model directory: ``<model_name>.keras``, ``history.json``, ``history.png``."""
    from ideko.runtime.training.plots import history_png

    name = config["name_parameters"]["model_name"]
    with atomic_directory(target) as staging:
        if checkpoint.exists():
            write_bytes(staging / name, checkpoint.read_bytes())
        else:
            result.model.save(str(staging / name))
        summary = {**result.summary(), "model_config": config, "lineage": lineage or {}}
        write_json(staging / HISTORY_FILE, summary)
        write_bytes(staging / HISTORY_PLOT, history_png(result.history, str(config["name"])))
    return target
