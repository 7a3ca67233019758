"""Versioned data sources in a spec: typed with the schema's defaults, checked with places."""

from __future__ import annotations

from ideko.compiler.load.loader import load_spec
from spec_texts import MINIMAL

LOCAL = "    local:\n      path: data/synthetic\n"


def test_dvc_source_defaults_its_ref(write, repo, monkeypatch):
    monkeypatch.chdir(repo)
    path = write(MINIMAL.replace(LOCAL, "    dvc:\n      repo: data-repo\n      path: raw\n"))
    source = load_spec(path.relative_to(repo)).data.source
    assert source.dvc is not None and source.dvc.ref == "HEAD"
    assert (source.location(), source.ref()) == ("dvc+data-repo#raw", "HEAD")


def test_lakefs_credentials_name_a_secret_with_default_keys(write, repo, monkeypatch):
    monkeypatch.chdir(repo)
    lakefs = (
        "    lakefs:\n      endpoint: https://lakefs.example.com\n      repository: ideko-data\n"
        "      ref: v1\n      path: raw\n      credentials: {secret: lakefs-keys}\n"
    )
    source = load_spec(write(MINIMAL.replace(LOCAL, lakefs)).relative_to(repo)).data.source
    assert source.lakefs.credentials.secret == "lakefs-keys"
    assert source.lakefs.credentials.access_key_id_key == "access_key_id"
    assert (source.location(), source.ref()) == ("lakefs://ideko-data/raw", "v1")


def test_a_credential_value_has_no_place_in_a_spec(errors_of):
    lakefs = (
        "    lakefs:\n      endpoint: https://lakefs.example.com\n      repository: ideko-data\n"
        "      ref: main\n      path: raw\n      credentials: {access_key_id: AKIA}\n"
    )
    (error,) = errors_of(MINIMAL.replace(LOCAL, lakefs))
    assert "data.source.lakefs.credentials.access_key_id" in error
