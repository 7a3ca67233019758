"""The spec schema's serving patterns are ``ideko.schema.serving``'s, and the reference the
compiler writes is the one the model server parses."""

from __future__ import annotations

import re

import pytest
from ideko.schema import serving
from ideko.schema.defaults import spec_schema


def test_schema_patterns_are_the_modules():
    props = spec_schema()["$defs"]["serving"]["properties"]
    assert props["model"]["pattern"] == serving.MODEL_NAME_PATTERN
    assert props["ref"]["pattern"] == serving.REF_PATTERN
    assert props["name"]["pattern"] == serving.ISVC_NAME_PATTERN
    assert props["name"]["maxLength"] == serving.MAX_ISVC_NAME
    assert props["ref"]["default"] == serving.DEFAULT_ALIAS


@pytest.mark.parametrize(("name", "ref"), [("m", "champion"), ("a.b_c-1", "challenger"),
                                           ("m", "12")])
def test_written_references_parse_back(name, ref):
    assert re.match(serving.REF_PATTERN, ref)
    assert serving.parse_model_reference(serving.model_reference(name, ref)) == (name, ref)
