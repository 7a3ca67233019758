"""Which epoch a model keeps (``training_parameters.checkpoint``), the learning-rate schedule
(``reduce_lr_patience``) and ``refit``.

A validation set of a handful of series reaches 1.0 accuracy within a few epochs; the
original rule keeps the first such epoch, ``val_accuracy_then_loss`` the one of lowest
validation loss among them.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

# (val_accuracy, val_loss) per epoch: accuracy saturates at epoch 2, loss keeps falling to
# epoch 4, then rises.
EPOCHS = [(0.5, 0.9), (1.0, 0.6), (1.0, 0.3), (1.0, 0.2), (1.0, 0.4), (0.75, 0.1)]
# The training loss per epoch: lowest at epoch 5 (epoch 6 overfits nothing, it just rises).
TRAINING_LOSS = [1.0, 0.8, 0.5, 0.3, 0.1, 0.2]


def _history() -> dict[str, list[float]]:
    return {"val_accuracy": [a for a, _ in EPOCHS], "val_loss": [loss for _, loss in EPOCHS],
            "loss": list(TRAINING_LOSS)}


@pytest.mark.parametrize(
    ("rule", "kept"),
    [("val_accuracy", 2), ("val_accuracy_then_loss", 4), ("val_loss", 6), ("loss", 5)],
)
def test_each_rule_reports_its_epoch(rule: str, kept: int) -> None:
    from ideko.runtime.training.trainer import _result

    result = _result(None, _history(), 1.0, [], rule)
    assert result.best_epoch == kept
    assert result.validation_accuracy == EPOCHS[kept - 1][0]


def test_the_in_memory_checkpoint_keeps_the_tied_epoch_of_lowest_loss() -> None:
    """The callback itself, driven epoch by epoch: the weights it holds are epoch 4's."""
    from ideko.runtime.training.trainer import _keep_best_callback

    class Marked:  # a model whose weights are the epoch they were taken at
        epoch = 0

        def get_weights(self) -> list[int]:
            return [self.epoch]

    model = Marked()
    keeper = _keep_best_callback("val_accuracy_then_loss")
    keeper.set_model(model)
    for epoch, (acc, loss) in enumerate(EPOCHS):
        model.epoch = epoch + 1
        keeper.on_epoch_end(epoch, {"val_accuracy": acc, "val_loss": loss})
    assert keeper.weights == [4]
    by_training_loss = _keep_best_callback("loss")
    by_training_loss.set_model(model)
    for epoch, ((acc, loss), train) in enumerate(zip(EPOCHS, TRAINING_LOSS, strict=True)):
        model.epoch = epoch + 1
        by_training_loss.on_epoch_end(epoch, {"val_accuracy": acc, "val_loss": loss,
                                              "loss": train})
    assert by_training_loss.weights == [5]


def test_a_nan_epoch_is_never_kept() -> None:
    from ideko.runtime.training.trainer import selection_key

    nan = selection_key("val_accuracy_then_loss", math.nan, math.nan, 1)
    assert selection_key("val_accuracy_then_loss", 0.0, 5.0, 2) > nan
    assert selection_key("val_loss", 0.0, 5.0, 2) > selection_key("val_loss", 1.0, math.nan, 1)


def test_new_architectures_default_to_the_papers_schedule_the_originals_do_not() -> None:
    from ideko.runtime.training.config import normalise_model_config

    def training(arch: str) -> dict:
        config = {"architecture": arch, "training_parameters": {"epochs": 1, "batch_size": 8}}
        if arch == "dense":
            config["model_parameters"] = {"units": [4]}
        return normalise_model_config(config)["training_parameters"]

    fcn, dense = training("fcn"), training("dense")
    assert (fcn["checkpoint"], fcn["reduce_lr_patience"]) == ("val_accuracy_then_loss", 50)
    assert (dense["checkpoint"], dense["reduce_lr_patience"], dense["refit"]) == (
        "val_accuracy", 0, False)


def test_the_schedule_lowers_the_rate_and_refit_trains_the_kept_epochs(
    tiny_arrays, make_config, tmp_path
) -> None:
    """A rate too small to move the loss by min_delta is a plateau every epoch after the
    first: halved at the end of epochs 2, 3, 4 (patience 1; the history logs the rate an
    epoch ran with), floored at min_learning_rate. refit trains a second model on all
    24 rows for the kept number of epochs and saves that one."""
    from ideko.runtime.training.config import normalise_model_config
    from ideko.runtime.training.trainer import load_model, train_model

    x, y = tiny_arrays
    config = make_config("dense", epochs=5)
    config["training_parameters"].update({
        "learning_rate": 1e-7, "reduce_lr_patience": 1, "min_learning_rate": 2e-8,
        "checkpoint": "val_loss", "refit": True, "patience": 10,
    })
    result = train_model(normalise_model_config(config), x, y, seed=2, emit_metrics=False,
                         output_dir=tmp_path / "model")
    rates = result.history["learning_rate"]
    np.testing.assert_allclose(rates, [1e-7, 1e-7, 5e-8, 2.5e-8, 2e-8], rtol=1e-5)
    assert len(result.history["refit_loss"]) == result.best_epoch
    assert any(note.startswith("refit:") for note in result.notes)
    saved = load_model(tmp_path / "model" / "model_dense.keras")
    for ours, theirs in zip(saved.get_weights(), result.model.get_weights(), strict=True):
        np.testing.assert_array_equal(ours, theirs)
