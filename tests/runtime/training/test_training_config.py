"""model_config defaults, validation and dotted-path overrides."""

from __future__ import annotations

import pytest
from ideko.runtime.training.config import (
    ConfigError,
    apply_overrides,
    normalise_model_config,
    parse_assignment,
    parse_scalar,
)


def test_defaults_are_filled_like_the_compiler(make_config):
    config = normalise_model_config(make_config("lstm"))
    assert config["model_parameters"]["masking"] == "original"
    assert config["model_parameters"]["dropout"] == 0.0
    assert config["training_parameters"] == {
        "epochs": 1,
        "batch_size": 8,
        "optimizer": "adam",
        "learning_rate": None,
        "patience": 10,
        "min_delta": 1e-4,
        "validation_split": 0.2,
        "checkpoint": "val_accuracy",
        "reduce_lr_patience": 0,
        "reduce_lr_factor": 0.5,
        "min_learning_rate": 1e-4,
        "refit": False,
    }


def test_names_default_from_the_key_like_the_compiler():
    config = normalise_model_config(
        {
            "key": "LSTMLarge",
            "architecture": "lstm",
            "model_parameters": {"hidden_units": [4]},
            "training_parameters": {"epochs": 1, "batch_size": 2},
        }
    )
    assert config["name"] == "lstm-large"
    assert config["name_parameters"] == {
        "folder_name": "lstmlarge",
        "model_name": "model_lstm-large.keras",
    }
    assert config["model_parameters"]["activation_function"] == "tanh"


def test_name_parameters_default_from_the_name_without_a_key():
    config = normalise_model_config(
        {
            "name": "lstm-large",
            "architecture": "lstm",
            "model_parameters": {"activation_function": "tanh", "hidden_units": [4]},
            "training_parameters": {"epochs": 1, "batch_size": 2},
        }
    )
    assert config["key"] == "lstm-large"
    assert config["name_parameters"] == {
        "folder_name": "lstm-large",
        "model_name": "model_lstm-large.keras",
    }


def test_a_filled_config_is_read_back_unchanged(make_config):
    config = normalise_model_config(make_config("cnn"))
    assert normalise_model_config(config) == config


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"schema_version": 2}, "schema_version: version 2 is newer"),
        ({"schema_version": "1"}, "schema_version: '1' is not a version"),
        ({"extra": 1}, "'extra' was unexpected"),
    ],
)
def test_contract_errors_name_the_field(make_config, change, message):
    with pytest.raises(ConfigError, match=message):
        normalise_model_config({**make_config("dense"), **change})


def test_unknown_parameter_is_rejected_with_its_section(make_config):
    config = make_config("dense")
    config["training_parameters"]["epoch"] = 3
    with pytest.raises(ConfigError, match=r"training_parameters: .*'epoch' was unexpected"):
        normalise_model_config(config)


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("architecture", "transformer", "architecture"),
        ("model_parameters.units", [], "model_parameters.units"),
        ("model_parameters.units", [8, 0], "model_parameters.units.1"),
        ("model_parameters.dropout", 1.0, "model_parameters.dropout"),
        ("model_parameters.masking", "sometimes", "model_parameters.masking"),
        ("training_parameters.epochs", 0, "training_parameters.epochs"),
        ("training_parameters.batch_size", 2.5, "training_parameters.batch_size"),
        ("training_parameters.optimizer", "lion", "training_parameters.optimizer"),
        ("training_parameters.learning_rate", -1, "training_parameters.learning_rate"),
        ("training_parameters.validation_split", 1.0, "training_parameters.validation_split"),
        ("name_parameters.model_name", "model.h5", "name_parameters.model_name"),
    ],
)
def test_bad_values_name_their_path(make_config, path, value, message):
    config = make_config("dense")
    section, _, key = path.partition(".")
    if key:
        config[section][key] = value
    else:
        config[section] = value
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        normalise_model_config(config)


def test_cnn_needs_kernel_and_pool(make_config):
    config = make_config("cnn")
    del config["model_parameters"]["pool_size"]
    with pytest.raises(ConfigError, match="pool_size"):
        normalise_model_config(config)


def test_overrides_replace_list_elements_and_none_defaults(make_config):
    config = normalise_model_config(make_config("lstm"))
    out = apply_overrides(
        config,
        {
            "model_parameters.hidden_units.0": 48,
            "training_parameters.learning_rate": 0.003,
            "training_parameters.batch_size": 32,
        },
    )
    assert out["model_parameters"]["hidden_units"] == [48, 4]
    assert out["training_parameters"]["learning_rate"] == 0.003
    assert out["training_parameters"]["batch_size"] == 32
    assert config["model_parameters"]["hidden_units"] == [6, 4], "input left untouched"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("model_parameters.hidden_unit.0", "'model_parameters.hidden_unit' does not exist"),
        ("model_parameters.hidden_units.5", "not an index below 2"),
        ("training_parameters.lr", "'lr' does not exist"),
        ("name", "must start with model_parameters"),
        ("model_parameters.activation_function.0", "not an object or a list"),
    ],
)
def test_bad_override_paths_are_clear_errors(make_config, path, message):
    config = normalise_model_config(make_config("lstm"))
    with pytest.raises(ConfigError, match=message):
        apply_overrides(config, {path: 1})


def test_scalar_parsing_follows_katib_substitution():
    assert parse_scalar("48") == 48
    assert parse_scalar("0.003") == 0.003
    assert parse_scalar("1e-3") == 0.001
    assert parse_scalar("adam") == "adam"
    with pytest.raises(ConfigError):
        parse_scalar("nan")
    assert parse_assignment("training_parameters.batch_size=32") == (
        "training_parameters.batch_size",
        32,
    )
    with pytest.raises(ConfigError, match="expected PATH=VALUE"):
        parse_assignment("training_parameters.batch_size")
