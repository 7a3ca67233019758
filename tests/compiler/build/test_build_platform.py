"""The platform spec: kfp's is passed through, ideko's parallelism travels inside the IR file.

kfp must leave ``platforms.ideko.config`` alone: the written file loads with kfp's own
loaders and survives kfp's ``Compiler().compile`` unchanged.
"""

from __future__ import annotations

from dataclasses import replace

import build_specs
import pytest
import yaml
from google.protobuf import json_format
from ideko.compiler.build.katib import build_katib
from ideko.compiler.build.pipeline import build_pipeline
from ideko.compiler.render import render
from ideko.schema.ir_platform import PARALLELISM_KEY, PLATFORM
from kfp import compiler
from kfp.components import load_component_from_file
from kfp.pipeline_spec import pipeline_spec_pb2


def _with_parallelism(spec, parallelism: int):
    return replace(spec, execution=replace(spec.execution, parallelism=parallelism))


def _written(spec, tmp_path):
    path = tmp_path / "pipeline.yaml"
    path.write_text(render(spec)[f"{spec.metadata.name}/pipeline.yaml"], encoding="utf-8")
    return path


def test_parallelism_is_in_the_platform_spec():
    spec = _with_parallelism(build_specs.full(), 3)
    built = build_pipeline(spec, build_katib(spec))
    assert built.platform_spec == {"platforms": {PLATFORM: {"config": {PARALLELISM_KEY: 3}}}}
    assert "platforms" not in built.pipeline_spec  # the pipeline document itself is unchanged


@pytest.mark.parametrize("case", sorted(build_specs.ALL))
def test_written_file_is_kfps_layout_with_the_platform_spec_second(case, tmp_path):
    spec = build_specs.ALL[case]()
    documents = list(yaml.safe_load_all(_written(spec, tmp_path).read_text(encoding="utf-8")))
    assert len(documents) == 2
    assert documents[0] == build_pipeline(spec, build_katib(spec)).pipeline_spec
    platform = json_format.ParseDict(
        documents[1], pipeline_spec_pb2.PlatformSpec(), ignore_unknown_fields=False
    )
    config = platform.platforms[PLATFORM].config
    assert config[PARALLELISM_KEY] == spec.execution.parallelism


def test_kfp_loads_the_platform_spec_and_recompiles_it_unchanged(tmp_path):
    spec = _with_parallelism(build_specs.hpo_heavy(), 5)
    ours = _written(spec, tmp_path)
    component = load_component_from_file(str(ours))
    assert component.platform_spec.platforms[PLATFORM].config[PARALLELISM_KEY] == 5
    again = tmp_path / "recompiled.yaml"
    compiler.Compiler().compile(component, str(again))
    theirs = list(yaml.safe_load_all(again.read_text(encoding="utf-8")))
    assert theirs == list(yaml.safe_load_all(ours.read_text(encoding="utf-8")))


def test_kfps_own_platform_entries_are_kept_beside_ideko_s():
    from ideko.compiler.build.platform import with_ideko_settings

    kfp_spec = pipeline_spec_pb2.PlatformSpec()
    json_format.ParseDict(
        {"platforms": {"kubernetes": {"deploymentSpec": {"executors": {"exec-x": {}}}}}},
        kfp_spec,
    )
    merged = json_format.MessageToDict(with_ideko_settings(kfp_spec, build_specs.small()))
    assert merged["platforms"]["kubernetes"] == {"deploymentSpec": {"executors": {"exec-x": {}}}}
    assert merged["platforms"][PLATFORM] == {"config": {PARALLELISM_KEY: 2}}
    assert PLATFORM not in json_format.MessageToDict(kfp_spec).get("platforms", {})
