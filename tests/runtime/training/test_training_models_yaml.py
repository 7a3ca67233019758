"""`ideko baseline`: reads IDEKO's original models.yaml verbatim; bad input is a clear error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from ideko.runtime.training.config import ConfigError
from ideko.runtime.training.models_yaml import model_configs, read_models_yaml
from ideko.schema.names import k8s_name

REFERENCE = Path("/work/shared/reference/models.yaml")
ROOT = Path(__file__).resolve().parents[3]


def reference_document() -> dict:
    if REFERENCE.is_file():
        return yaml.safe_load(REFERENCE.read_text())
    spec = yaml.safe_load((ROOT / "specs" / "ideko.yaml").read_text())
    return spec["models"]


def test_original_models_yaml_is_accepted_verbatim():
    configs = model_configs(reference_document())
    assert [(c["key"], c["name"], c["architecture"], on) for c, on in configs] == [
        ("NeuralNetwork", "neural-network", "dense", True),
        ("CNN", "cnn", "cnn", True),
        ("RNN", "rnn", "rnn", True),
        ("LSTM", "lstm", "lstm", True),
    ]
    lstm = configs[3][0]
    assert lstm["model_parameters"]["hidden_units"] == [32, 16]
    assert lstm["model_parameters"]["masking"] == "original"
    assert lstm["training_parameters"]["patience"] == 10
    assert lstm["name_parameters"]["model_name"] == "model_lstm.keras"


def test_spec_models_section_with_hpo_and_resources_is_accepted():
    spec = yaml.safe_load((ROOT / "specs" / "ideko.yaml").read_text())
    names = [c["name"] for c, _on in model_configs(spec["models"])]
    assert names == ["neural-network", "cnn", "rnn", "lstm", "fcn", "resnet", "inception"]


def test_names_match_the_compilers_normalisation():
    assert k8s_name("NeuralNetwork") == "neural-network"
    assert k8s_name("lstm_large") == "lstm-large"
    assert k8s_name("CNN") == "cnn"
    assert k8s_name("LSTMLarge") == "lstm-large"  # the runtime's own rule said lstmlarge


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "expected a mapping"),
        ({"SVM": {"model_parameters": {}}}, "SVM: not a canonical model name"),
        ({"LSTM": {"enabled": "yes"}}, "LSTM.enabled"),
        ({"LSTM": {"layers": [1]}}, "unknown key"),
        (
            {"LSTM": {"model_parameters": {"activation_function": "tanh"}}},
            "LSTM: model_parameters.hidden_units",
        ),
    ],
)
def test_bad_models_yaml(document, message):
    with pytest.raises(ConfigError, match=message):
        model_configs(document)


def test_unreadable_files(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        read_models_yaml(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("LSTM: [unclosed")
    with pytest.raises(ConfigError, match="not valid YAML"):
        read_models_yaml(broken)


def test_cli_errors_have_no_traceback(tmp_path, capsys):
    from ideko.cli.main import main

    models = tmp_path / "models.yaml"
    models.write_text(json.dumps({"LSTM": {"enabled": False}}))
    code = main(
        ["baseline", "--data", str(tmp_path), "--models", str(models), "--out", str(tmp_path / "o")]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "error:" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists(), "nothing written on bad input"


def test_step_command_dispatches_to_the_step_cli(capsys):
    from ideko.cli.main import main

    assert (
        main(
            ["step", "register", "--model-name", "../x", "--registry-uri", "r", "--best-model", "m"]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert err.startswith("ideko step register: error: model name")
