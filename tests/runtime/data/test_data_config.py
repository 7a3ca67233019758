"""data_config on read: the spec's defaults for omitted fields, the contract checked."""

from __future__ import annotations

import pytest
from ideko.runtime.data.config import parse_data_config
from ideko.runtime.data.errors import DataError
from ideko.schema.defaults import defaults_of


def test_omitted_fields_take_the_spec_defaults() -> None:
    config = parse_data_config({"indicators": ["f3"]}).to_dict()
    assert config["padding"] == defaults_of("padding")
    assert config["split"] == {**defaults_of("split"), "validation": defaults_of("validation")}
    assert config["quality_gate"] == defaults_of("qualityGate")
    assert config["scaling"] == defaults_of("data")["scaling"]


def test_null_sections_mean_their_defaults() -> None:
    given = {"indicators": ["f3"], "padding": None, "split": None, "quality_gate": None}
    assert parse_data_config(given) == parse_data_config({"indicators": ["f3"]})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"split": {"seeds": 3}}, r"data_config: split: .*'seeds' was unexpected"),
        ({"padding_value": 1.0}, r"data_config: \(top level\): .*'padding_value' was unexpected"),
        ({"schema_version": 9}, "data_config: schema_version: version 9 is newer"),
        ({"split": {"strategy": "sideways"}}, "split.strategy: 'sideways' is not one of"),
    ],
)
def test_bad_configs_name_the_field(change: dict, message: str) -> None:
    with pytest.raises(DataError, match=message):
        parse_data_config({"indicators": ["f3"], **change})
