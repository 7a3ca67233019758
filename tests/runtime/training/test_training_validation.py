"""Training validates on the dataset's validation rows through ``fit(validation_data=...)``.

Without a validation mask the rows are the last ``validation_split`` of the training rows:
Keras' own ``validation_split`` gives the identical history (the original script's
behaviour), which is what keeps ``strategy: random`` equivalent.
"""

from __future__ import annotations

import numpy as np
import pytest


def _fit_with_keras_validation_split(config, x, y, seed):
    """The original script's call: ``model.fit(..., validation_split=0.2)``."""
    from ideko.runtime.training.builders import build_model
    from ideko.runtime.training.config import normalise_model_config
    from ideko.runtime.training.environment import set_seeds

    config = normalise_model_config(config)
    set_seeds(seed)
    built = build_model(config, tuple(x.shape[1:]), int(y.shape[1]), 0.0)
    fit = built.model.fit(x, y, epochs=2, batch_size=8, validation_split=0.2, verbose=0)
    return {k: [float(v) for v in values] for k, values in fit.history.items()}


@pytest.mark.slow
def test_the_tail_rows_reproduce_keras_validation_split(tiny_arrays, make_config):
    from ideko.runtime.training.config import normalise_model_config
    from ideko.runtime.training.trainer import train_model

    x, y = tiny_arrays
    config = make_config("dense", epochs=2)
    ours = train_model(normalise_model_config(config), x, y, seed=2, emit_metrics=False)
    theirs = _fit_with_keras_validation_split(config, x, y, seed=2)
    for key, values in theirs.items():
        np.testing.assert_allclose(ours.history[key], values, rtol=1e-6, err_msg=key)


def test_validation_rows_must_leave_rows_to_fit(tiny_arrays, make_config):
    from ideko.runtime.training.config import normalise_model_config
    from ideko.runtime.training.trainer import train_model, validation_mask

    x, y = tiny_arrays
    assert validation_mask(10, None, 0.2).tolist() == [False] * 8 + [True] * 2
    with pytest.raises(ValueError, match="24 of 24 training series are validation rows"):
        train_model(normalise_model_config(make_config("dense")), x, y, seed=2,
                    validation_rows=np.ones(24, dtype=bool), emit_metrics=False)


@pytest.mark.slow
def test_a_by_day_run_validates_on_every_class(tmp_path, make_config, monkeypatch):
    """The issue's case: class-ordered day folders, ``by_day`` with the test day held out.
    Keras' own ``validation_split`` would have validated on the last class alone."""
    import keras
    from datatree_helpers import write_class_ordered
    from ideko.runtime.data.prepare import prepare
    from ideko.runtime.steps import train

    root = write_class_ordered(tmp_path / "data")
    split = {"strategy": "by_day", "test_days": ["test"]}
    dataset, _, _, _ = prepare(root, {"indicators": ["f3", "f4", "f5"], "split": split})
    seen = {}
    fit = keras.Model.fit

    def spy(self, x, y, **kwargs):
        seen["fit_rows"], seen["validation"] = len(x), kwargs["validation_data"][1]
        return fit(self, x, y, **kwargs)

    monkeypatch.setattr(keras.Model, "fit", spy)
    outputs = train.run(make_config("dense"), dataset, 2, None, emit_metrics=False)
    classes_validated = np.unique(seen["validation"].argmax(axis=1))
    assert classes_validated.tolist() == [0, 1, 2]
    assert (seen["fit_rows"], len(seen["validation"])) == (48, 12)
    assert 0.0 <= outputs["validation_accuracy"] <= 1.0
