"""A versioned data source in the compiled files: ``data_uri`` names what is read,
``data_ref`` which version; the lakeFS endpoint is the preprocess task's env and a
credentials secret is referenced by name only (never a key value)."""

from __future__ import annotations

from dataclasses import replace

import build_specs
from ideko.compiler.build.katib import build_katib
from ideko.compiler.build.pipeline import build_pipeline
from ideko.compiler.load.spec_model import (
    DataSource,
    DvcSource,
    LakeFSCredentials,
    LakeFSSource,
)
from ideko.compiler.render import render


def _with_source(source: DataSource):
    spec = build_specs.hpo_heavy()
    return replace(spec, data=replace(spec.data, source=source))


LAKEFS = DataSource(
    lakefs=LakeFSSource(
        endpoint="https://lakefs.example.com",
        repository="ideko-data",
        ref="main",
        path="/raw/",
        credentials=LakeFSCredentials(secret="lakefs-keys"),
    )
)


def _root_defaults(ir: dict) -> dict:
    params = ir["root"]["inputDefinitions"]["parameters"]
    return {name: p.get("defaultValue") for name, p in params.items()}


def test_lakefs_source_parameters_env_and_secret_by_name():
    spec = _with_source(LAKEFS)
    built = build_pipeline(spec, build_katib(spec))
    defaults = _root_defaults(built.pipeline_spec)
    assert defaults["data_uri"] == "lakefs://ideko-data/raw"
    assert defaults["data_ref"] == "main"
    executor = built.pipeline_spec["deploymentSpec"]["executors"]["exec-preprocess"]["container"]
    assert {"name": "LAKECTL_SERVER_ENDPOINT_URL", "value": "https://lakefs.example.com"} in (
        executor["env"]
    )
    kubernetes = built.platform_spec["platforms"]["kubernetes"]["deploymentSpec"]["executors"]
    secrets = kubernetes["exec-preprocess"]["secretAsEnv"]
    assert secrets[0]["secretName"] == "lakefs-keys"
    assert {(m["secretKey"], m["envVar"]) for m in secrets[0]["keyToEnv"]} == {
        ("access_key_id", "LAKECTL_CREDENTIALS_ACCESS_KEY_ID"),
        ("secret_access_key", "LAKECTL_CREDENTIALS_SECRET_ACCESS_KEY"),
    }


def test_lakefs_credentials_from_the_environment_add_no_platform_entry():
    source = DataSource(lakefs=replace(LAKEFS.lakefs, credentials=LakeFSCredentials()))
    spec = _with_source(source)
    built = build_pipeline(spec, build_katib(spec))
    executors = built.platform_spec.get("platforms", {}).get("kubernetes", {})
    assert "exec-preprocess" not in executors.get("deploymentSpec", {}).get("executors", {})


def test_dvc_source_and_katib_trials_read_the_same_ref():
    spec = _with_source(
        DataSource(dvc=DvcSource(repo="https://git.example.com/d.git", path="raw", ref="v1"))
    )
    katib = build_katib(spec)
    defaults = _root_defaults(build_pipeline(spec, katib).pipeline_spec)
    assert defaults["data_uri"] == "dvc+https://git.example.com/d.git#raw"
    assert defaults["data_ref"] == "v1"
    manifest = next(iter(katib.values()))
    args = manifest["spec"]["trialTemplate"]["trialSpec"]["spec"]["template"]["spec"]["containers"][
        0
    ]["args"]
    at = args.index("--data-uri")
    assert args[at : at + 4] == [
        "--data-uri",
        "dvc+https://git.example.com/d.git#raw",
        "--data-ref",
        "v1",
    ]


def test_local_source_has_an_empty_ref_and_no_trial_flag():
    spec = build_specs.hpo_heavy()
    katib = build_katib(spec)
    assert _root_defaults(build_pipeline(spec, katib).pipeline_spec)["data_ref"] == ""
    manifest = next(iter(katib.values()))
    assert "--data-ref" not in str(manifest)


def test_rendered_pipeline_names_the_secret_not_its_keys_values():
    """The written IR carries the secret's name and the env names; the spec has no place
    for a key value at all (the schema's credentials object takes names only)."""
    text = render(_with_source(LAKEFS))["hpo-heavy/pipeline.yaml"]
    assert "secretName: lakefs-keys" in text
    assert "envVar: LAKECTL_CREDENTIALS_SECRET_ACCESS_KEY" in text


def test_run_branches_switch_reaches_the_runner_through_the_platform_spec():
    for switch in (False, True):
        source = DataSource(lakefs=replace(LAKEFS.lakefs, run_branches=switch))
        spec = _with_source(source)
        config = build_pipeline(spec, build_katib(spec)).platform_spec["platforms"]["ideko"]
        assert config["config"].get("data_run_branches", False) is switch
