"""Schema violations: unknown keys with did-you-mean, enums with allowed values, types."""

from __future__ import annotations

import pytest
from spec_texts import MINIMAL

# One mistake in MINIMAL and the one line that reports it (position, path, what to do).
ONE_MISTAKE = [
    pytest.param(
        MINIMAL.replace("      hidden_units:", "      hiden_units:"),
        "specs/spec.yaml:17:7: models.LSTM.model_parameters.hiden_units: unknown key "
        "'hiden_units'; did you mean 'hidden_units'?",
        id="unknown_key_suggests_the_closest",
    ),
    pytest.param(
        MINIMAL.replace("metadata:\n", "metadata:\n  zzz: 1\n"),
        "specs/spec.yaml:3:3: metadata.zzz: unknown key 'zzz'; "
        "allowed keys: name, description, version",
        id="unknown_key_without_close_match_lists_allowed",
    ),
    pytest.param(
        MINIMAL + "selecton: {}\n",
        "specs/spec.yaml:21:1: selecton: unknown key 'selecton'; did you mean 'selection'?",
        id="unknown_top_level_key",
    ),
    pytest.param(
        MINIMAL.replace("  indicators:", "  scaling: zscore\n  indicators:"),
        "specs/spec.yaml:10:12: data.scaling: 'zscore' is not allowed; "
        "expected one of 'none', 'standard', 'minmax'",
        id="enum_lists_allowed_values",
    ),
    pytest.param(
        MINIMAL.replace("      batch_size: 4\n", ""),
        "specs/spec.yaml:18:5: models.LSTM.training_parameters: missing required key "
        "'batch_size'",
        id="missing_required_keys_point_at_the_parent",
    ),
    pytest.param(
        MINIMAL.replace(
            "      path: data/synthetic\n", "      path: data/synthetic\n    uri: s3://bucket/raw\n"
        ),
        "specs/spec.yaml:8:5: data.source: set exactly one of local, lakefs, dvc, uri, "
        "got local, uri",
        id="source_needs_exactly_one_location",
    ),
    pytest.param(
        MINIMAL.replace("  name: tiny\n", "  name: tiny\n  version: 1.0\n"),
        "specs/spec.yaml:4:12: metadata.version: expected a string, got a number (1.0); "
        "quote it to make it a string",
        id="unquoted_version_number_is_explained",
    ),
]


@pytest.mark.parametrize(("text", "line"), ONE_MISTAKE)
def test_one_mistake_is_one_exact_line(errors_of, text: str, line: str) -> None:
    assert errors_of(text) == [line]


def test_enum_with_typo_also_suggests(errors_of) -> None:
    (line,) = errors_of(MINIMAL.replace("  LSTM:\n", "  LSTM:\n    architecture: lstmm\n"))
    assert line == ("specs/spec.yaml:16:19: models.LSTM.architecture: 'lstmm' is not allowed; "
                    "expected one of 'dense', 'cnn', 'rnn', 'lstm', 'gru', 'fcn', 'resnet', "
                    "'inception'; did you mean 'lstm'?")


def test_wrong_types(write, errors) -> None:
    text = (MINIMAL.replace("epochs: 2", "epochs: two")
            .replace("  indicators: [f3, f4]", "  indicators: f3"))
    assert errors(write(text)) == [
        "specs/spec.yaml:10:15: data.indicators: expected a list, got a string ('f3')",
        "specs/spec.yaml:19:15: models.LSTM.training_parameters.epochs: "
        "expected an integer, got a string ('two')",
    ]


def test_extra_model_without_architecture_suggests_canonical_key(errors_of) -> None:
    (line,) = errors_of(MINIMAL.replace("  LSTM:", "  LTSM:"))
    assert line.startswith("specs/spec.yaml:15:3: models.LTSM: missing required key "
                           "'architecture' (one of 'dense', 'cnn', 'rnn', 'lstm', 'gru', 'fcn', "
                           "'resnet', 'inception')")
    assert line.endswith("did you mean 'LSTM'?")


def test_three_independent_mistakes_give_three_lines(write, errors) -> None:
    text = (MINIMAL.replace("name: tiny", "name: Tiny_Pipeline")
            .replace("batch_size: 4", "batch_size: 0")
            .replace("  classes:", "  clases:"))
    lines = errors(write(text))
    assert len(lines) == 3, lines
    assert [line.split(": ")[1] for line in lines] == [
        "metadata.name", "data.clases", "models.LSTM.training_parameters.batch_size",
    ]
    assert [line.split(":")[1] for line in lines] == ["3", "11", "20"]


def test_schema_and_semantic_mistakes_are_reported_together(write, errors) -> None:
    extra = ("  lstm_big:\n    architecture: lstm\n    model_parameters: {hidden_units: [4]}\n"
             "    training_parameters: {epochs: 1, batch_size: 2}\n"
             "    hpo:\n      algorithm: random\n      objective: {metric: validation_accuracy}\n"
             "      parameters:\n        dropout: {type: double, min: 0.5, max: 0.1}\n")
    text = (MINIMAL.replace("epochs: 2", "epochs: two").replace("name: tiny", "name: Tiny")
            + extra)
    lines = errors(write(text))
    assert [line.split(": ")[1] for line in lines] == [
        "metadata.name",
        "models.LSTM.training_parameters.epochs",
        "models.lstm_big.hpo.parameters.dropout.min",
    ]


def test_semantic_findings_inside_broken_units_are_not_guessed(write, errors) -> None:
    # LSTM is schema-invalid, so its min >= max cannot be judged reliably: one line only.
    text = MINIMAL.replace("epochs: 2", "epochs: two") + (
        "    hpo:\n      algorithm: random\n      objective: {metric: validation_accuracy}\n"
        "      parameters:\n        dropout: {type: double, min: 0.5, max: 0.1}\n")
    lines = errors(write(text))
    assert len(lines) == 1 and "epochs" in lines[0]
