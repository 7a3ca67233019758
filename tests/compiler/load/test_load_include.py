"""`models: {include: ...}`: merge rules and include errors."""

from __future__ import annotations

from pathlib import Path

from ideko.compiler.load import load_spec
from spec_texts import MINIMAL

HEAD = MINIMAL.split("models:\n")[0]
ORIGINAL = """\
NeuralNetwork:
  enabled: true
  name_parameters:
    folder_name: neural_network
    model_name: model_nn.keras
  model_parameters:
    activation_function: relu
    units: [100, 50]
  training_parameters:
    epochs: 50
    batch_size: 64
LSTM:
  enabled: true
  name_parameters:
    folder_name: lstm
    model_name: model_lstm.keras
  model_parameters:
    activation_function: tanh
    hidden_units: [32, 16]
  training_parameters:
    epochs: 50
    batch_size: 64
"""


def test_include_merges_inline_over_included(write) -> None:
    write(ORIGINAL, "specs/models.yaml")
    spec = load_spec(write(HEAD + """\
models:
  include: models.yaml
  LSTM:
    training_parameters:
      epochs: 3
    hpo:
      algorithm: random
      objective: {metric: validation_accuracy}
      parameters:
        batch_size: {type: categorical, values: [16, 32]}
  NeuralNetwork:
    enabled: false
"""))
    nn, lstm = spec.models
    assert (nn.key, nn.enabled, nn.model_parameters["units"]) == ("NeuralNetwork", False, [100, 50])
    assert lstm.training_parameters["epochs"] == 3
    assert lstm.training_parameters["batch_size"] == 64
    assert lstm.name_parameters["model_name"] == "model_lstm.keras"
    assert lstm.hpo is not None and lstm.hpo.parameters[0].target == (
        "training_parameters.batch_size")


def test_reference_models_yaml_is_accepted_verbatim(write, repo) -> None:
    # ../shared is where the steering material lives, next to the project root.
    reference = Path(__file__).resolve().parents[4] / "shared" / "reference" / "models.yaml"
    text = reference.read_text() if reference.exists() else ORIGINAL
    write(text, "specs/models.yaml")
    spec = load_spec(write(HEAD + "models:\n  include: models.yaml\n"))
    assert {m.key for m in spec.models} >= {"NeuralNetwork", "LSTM"}


def test_error_inside_included_file_points_there(write, errors_of) -> None:
    write(ORIGINAL.replace("units: [100, 50]", "unit: [100, 50]"), "specs/conf/models.yaml")
    assert errors_of(HEAD + "models:\n  include: conf/models.yaml\n") == [
        "specs/conf/models.yaml:8:5: models.NeuralNetwork.model_parameters.unit: unknown key "
        "'unit'; did you mean 'units'?"
    ]


def test_missing_include(errors_of) -> None:
    assert errors_of(HEAD + "models:\n  include: nothere.yaml\n") == [
        "specs/spec.yaml:15:12: models.include: included file 'nothere.yaml' does not exist "
        "(paths are relative to the spec)"
    ]


def test_include_outside_repository(repo, errors_of) -> None:
    (repo.parent / "outside.yaml").write_text(ORIGINAL)
    assert errors_of(HEAD + "models:\n  include: ../../outside.yaml\n") == [
        "specs/spec.yaml:15:12: models.include: include '../../outside.yaml' points outside "
        "the repository; copy the models file into the repository and include that copy"
    ]


def test_broken_included_yaml_is_reported_in_that_file(write, errors_of) -> None:
    write("LSTM:\n\tenabled: true\n", "specs/models.yaml")
    assert errors_of(HEAD + "models:\n  include: models.yaml\n") == [
        "specs/models.yaml:2:1: tab character in indentation; YAML indentation must use spaces"
    ]


def test_nested_include_is_refused(write, errors_of) -> None:
    write("include: other.yaml\n" + ORIGINAL, "specs/models.yaml")
    assert errors_of(HEAD + "models:\n  include: models.yaml\n") == [
        "specs/models.yaml:1:1: include: an included models file cannot include another file"
    ]
