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
