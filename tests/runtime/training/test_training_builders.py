"""Model builders: the original layer stacks, the mask-aware variant, optimizers."""

from __future__ import annotations

import numpy as np
import pytest
from ideko.runtime.training.builders import build_model
from ideko.runtime.training.config import normalise_model_config


def layer_types(model) -> list[str]:
    return [type(layer).__name__ for layer in model.layers]


def built(config, shape=(30, 3), padding=0.0):
    return build_model(normalise_model_config(config), shape, 3, padding)


def infer(model, x: np.ndarray) -> np.ndarray:
    """Inference-mode outputs from one eager call: the same layers ``predict`` runs, without
    tracing a ``tf.function`` for each model (seconds per model, for four series)."""
    return np.asarray(model(x, training=False))


@pytest.mark.parametrize(
    ("arch", "expected"),
    [
        ("dense", ["InputLayer", "Masking", "Dense", "Dense", "Flatten", "Dense"]),
        (
            "cnn",
            [
                "InputLayer",
                "Masking",
                "Conv1D",
                "MaxPooling1D",
                "Conv1D",
                "MaxPooling1D",
                "Flatten",
                "Dense",
            ],
        ),
        ("rnn", ["InputLayer", "Masking", "SimpleRNN", "SimpleRNN", "Dense"]),
        ("lstm", ["InputLayer", "Masking", "LSTM", "LSTM", "Dense"]),
        ("gru", ["InputLayer", "Masking", "GRU", "Dense"]),
    ],
)
def test_original_layer_stacks(make_config, arch, expected):
    model = built(make_config(arch)).model
    assert layer_types(model) == expected
    assert model.layers[1].mask_value == 0.0
    head = model.layers[-1]
    assert head.units == 3 and head.activation.__name__ == "softmax"


def test_original_semantics_of_parameters(make_config):
    cnn = built(make_config("cnn")).model
    conv = [layer for layer in cnn.layers if type(layer).__name__ == "Conv1D"]
    assert [c.filters for c in conv] == [4, 8]
    assert conv[0].kernel_size == (3,) and conv[0].padding == "same"
    assert conv[0].activation.__name__ == "relu"
    pools = [layer for layer in cnn.layers if type(layer).__name__ == "MaxPooling1D"]
    assert pools[0].pool_size == (2,)
    lstm = built(make_config("lstm")).model
    recurrent = [layer for layer in lstm.layers if type(layer).__name__ == "LSTM"]
    assert [r.units for r in recurrent] == [6, 4]
    assert [r.return_sequences for r in recurrent] == [True, False]
    assert recurrent[0].activation.__name__ == "tanh"


def test_padding_value_is_the_mask_value(make_config):
    model = built(make_config("rnn"), padding=-1.0).model
    assert model.layers[1].mask_value == -1.0


def test_dropout_after_each_block(make_config):
    model = built(make_config("lstm", dropout=0.25)).model
    assert layer_types(model) == [
        "InputLayer",
        "Masking",
        "LSTM",
        "Dropout",
        "LSTM",
        "Dropout",
        "Dense",
    ]


def test_original_mode_records_the_dropped_mask(make_config):
    assert built(make_config("dense")).notes == [
        "Flatten drops the padding mask (masking: original)"
    ]
    assert built(make_config("cnn")).notes == ["Conv1D drops the padding mask (masking: original)"]
    assert built(make_config("lstm")).notes == []
    assert built(make_config("dense", masking="mask-aware")).notes == []
    assert built(make_config("cnn", masking="mask-aware")).notes == []


@pytest.mark.parametrize(
    "optimizer", ["adam", "adamw", "sgd", "rmsprop", "adagrad", "adadelta", "adamax", "nadam"]
)
def test_optimizer_and_learning_rate(make_config, optimizer):
    config = make_config("gru")
    config["training_parameters"].update(optimizer=optimizer, learning_rate=0.003)
    model = built(config).model
    assert type(model.optimizer).__name__.lower() == optimizer
    assert float(model.optimizer.learning_rate) == pytest.approx(0.003)


def _transfer_outputs(config, short_len: int, long_len: int, real: int):
    """Predictions for the same series padded to two lengths, with shared weights."""
    rng = np.random.default_rng(1)
    series = rng.normal(size=(4, real, 3)).astype("float32")
    short = np.zeros((4, short_len, 3), "float32")
    long = np.zeros((4, long_len, 3), "float32")
    short[:, :real], long[:, :real] = series, series
    a = built(config, (short_len, 3)).model
    b = built(config, (long_len, 3)).model
    b.set_weights(a.get_weights())
    return infer(a, short), infer(b, long)


@pytest.mark.parametrize("arch", ["dense", "cnn"])
def test_mask_aware_models_ignore_padding(make_config, arch):
    config = make_config(arch, masking="mask-aware")
    short, long = _transfer_outputs(config, 16, 40, 12)
    np.testing.assert_allclose(short, long, rtol=1e-5, atol=1e-6)


def test_mask_aware_pooling_replaces_flatten(make_config):
    """Flatten ties the original to one series length; the masked average does not."""
    original = built(make_config("cnn")).model
    aware = built(make_config("cnn", masking="mask-aware")).model
    assert "MaskedConvPool1D" in layer_types(aware)
    assert "GlobalAveragePooling1D" in layer_types(aware)
    assert "Flatten" in layer_types(original)


def test_unknown_activation_is_a_config_error(make_config):
    from ideko.runtime.training.config import ConfigError

    with pytest.raises(ConfigError, match="'sparkle' is not a Keras activation"):
        built(make_config("gru", activation_function="sparkle"))


def test_every_architecture_has_a_builder():
    from ideko.runtime.training.builders import BODIES
    from ideko.schema.architectures import ARCHITECTURES

    assert tuple(BODIES) == ARCHITECTURES
