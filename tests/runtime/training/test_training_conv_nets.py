"""fcn, resnet and inception: the papers' layer stacks, padding that changes nothing, saving."""

from __future__ import annotations

import numpy as np
import pytest
from ideko.runtime.training.builders import build_model
from ideko.runtime.training.config import ConfigError, normalise_model_config

pytestmark = pytest.mark.slow  # builds and runs every time-series network

NETS = ("fcn", "resnet", "inception")


def built(config, shape=(30, 3), padding=0.0):
    return build_model(normalise_model_config(config), shape, 3, padding)


def infer(model, x: np.ndarray) -> np.ndarray:
    """Inference-mode outputs from one eager call: the same layers ``predict`` runs, without
    tracing a ``tf.function`` for each model (seconds per model, for four series)."""
    return np.asarray(model(x, training=False))


def count(model, kind: str) -> int:
    return sum(type(layer).__name__ == kind for layer in model.layers)


def test_fcn_is_conv_bn_activation_blocks_then_the_masked_average(make_config):
    model = built(make_config("fcn")).model
    convs = [layer for layer in model.layers if type(layer).__name__ == "Conv1D"]
    assert [(c.filters, c.kernel_size, c.padding) for c in convs] == [
        (4, (5,), "same"), (8, (3,), "same"),
    ]  # fmt: skip
    assert count(model, "MaskedBatchNormalization") == 2
    assert count(model, "MaskedGlobalAveragePooling1D") == 1
    assert count(model, "Dense") == 1  # the softmax head only: no dense layer in FCN


def test_resnet_blocks_have_their_shortcuts(make_config):
    model = built(make_config("resnet")).model
    convs = [layer for layer in model.layers if type(layer).__name__ == "Conv1D"]
    # two blocks x two convolutions, plus a 1x1 shortcut wherever the channels change (3->4, 4->6)
    assert sorted(c.kernel_size[0] for c in convs) == [1, 1, 3, 3, 5, 5]
    assert count(model, "Add") == 2


def test_inception_modules_branches_and_residual(make_config):
    model = built(make_config("inception")).model
    assert count(model, "Concatenate") == 3
    assert count(model, "MaskedMaxPooling1D") == 3
    assert count(model, "Add") == 1  # every third module
    heads = [layer for layer in model.layers if type(layer).__name__ == "Concatenate"]
    assert heads[0].output.shape[-1] == 4 * 3  # two kernel branches + the pool branch, 4 each


@pytest.mark.parametrize("arch", NETS)
def test_padding_changes_no_prediction(make_config, arch):
    """The same series padded to 16 or 40 steps: identical outputs (inference mode)."""
    config = normalise_model_config(make_config(arch))
    rng = np.random.default_rng(1)
    series = rng.normal(size=(4, 12, 3)).astype("float32")
    short, long = np.zeros((4, 16, 3), "float32"), np.zeros((4, 40, 3), "float32")
    short[:, :12], long[:, :12] = series, series
    a, b = build_model(config, (16, 3), 3).model, build_model(config, (40, 3), 3).model
    b.set_weights(a.get_weights())
    np.testing.assert_allclose(infer(a, short), infer(b, long), rtol=1e-4, atol=1e-5)


def test_original_masking_sees_the_padding(make_config):
    """The ablation: `masking: original` averages padded steps too, and says so."""
    result = built(make_config("fcn", masking="original"))
    assert "Conv1D drops the padding mask (masking: original)" in result.notes
    assert count(result.model, "GlobalAveragePooling1D") == 1


def test_batch_statistics_count_real_steps_only():
    import keras
    from ideko.runtime.training.masked_layers import MaskedBatchNormalization

    x = np.zeros((2, 4, 1), "float32")
    x[:, :2, 0] = [[1.0, 3.0], [1.0, 3.0]]
    keep = np.zeros((2, 4, 1), "float32")
    keep[:, :2] = 1.0
    layer = MaskedBatchNormalization(momentum=0.0, center=False, scale=False)
    out = keras.ops.convert_to_numpy(layer([x, keep], training=True))
    np.testing.assert_allclose(out[0, :, 0], [-1.0, 1.0, 0.0, 0.0], atol=1e-2)
    assert float(keras.ops.convert_to_numpy(layer.norm.moving_mean)[0]) == pytest.approx(2.0)


def test_a_saved_model_loads_with_its_layers(make_config, tmp_path):
    """Inception holds every padding-aware layer (mask split, zeroing, masked norm, max pool
    and average): a saved model loads back with them and predicts the same."""
    from ideko.runtime.training.trainer import load_model

    model = built(make_config("inception")).model
    path = tmp_path / "m.keras"
    model.save(str(path))
    x = np.random.default_rng(0).normal(size=(2, 30, 3)).astype("float32")
    np.testing.assert_allclose(infer(load_model(path), x), infer(model, x), rtol=1e-5)


def test_the_papers_settings_are_the_defaults():
    config = normalise_model_config({
        "architecture": "inception", "training_parameters": {"epochs": 1, "batch_size": 4},
    })  # fmt: skip
    params = config["model_parameters"]
    assert params["filters"] == [32] * 6 and params["kernel_sizes"] == [40, 20, 10]
    assert params["bottleneck_size"] == 32 and params["masking"] == "mask-aware"
    assert params["activation_function"] == "relu"


def test_fcn_needs_a_kernel_per_block(make_config):
    with pytest.raises(ConfigError, match="one kernel size per filters element: 2 filters, 3"):
        normalise_model_config(make_config("fcn", kernel_sizes=[3, 3, 3]))
