"""The one Registry interface behaves the same on the embedded MLflow store, a real MLflow
server on loopback and the Kubeflow Model Registry client (against its double)."""

from __future__ import annotations

from pathlib import Path

import pytest
from ideko.runtime.registry import RegistryError, open_registry
from ideko.runtime.registry.checksum import directory_checksum

pytestmark = pytest.mark.slow  # an MLflow server and the Kubeflow double per backend

BACKENDS = ("embedded", "mlflow_server", "kubeflow")


@pytest.fixture(params=BACKENDS)
def registry_uri(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue(request.param)


def test_versions_aliases_tags_and_files_round_trip(registry_uri, model_dir, name):
    registry = open_registry(registry_uri)
    first, second = model_dir(0.8), model_dir(0.9)
    tags = {"ideko.checksum": directory_checksum(first), "ideko.source_model": "lstm"}
    v1 = registry.create_version(name, str(first), tags, None, first.as_uri())
    v2 = registry.create_version(
        name, str(second), {"ideko.checksum": directory_checksum(second)}, None,
        second.as_uri(),
    )  # fmt: skip
    assert (v1.version, v2.version) == ("1", "2")
    registry.set_alias(name, "champion", "1")
    registry.set_alias(name, "challenger", "2")
    registry.set_version_tag(name, "2", "ideko.promotion", '{"alias":"challenger"}')
    registry.set_model_tag(name, "ideko.champion_history", "[]")

    assert name in [m.name for m in registry.list_models()]
    model = registry.get_model(name)
    assert model.aliases == {"champion": "1", "challenger": "2"}
    assert model.tags["ideko.champion_history"] == "[]"
    assert [v.version for v in registry.list_versions(name)] == ["1", "2"]
    assert [v.aliases for v in registry.list_versions(name)] == [["champion"], ["challenger"]]
    for ref, expected in (("1", "1"), ("champion", "1"), ("@challenger", "2"), ("latest", "2")):
        assert registry.resolve(name, ref).version == expected
    champion = registry.resolve(name, "@champion")
    assert champion.tags["ideko.source_model"] == "lstm"
    assert registry.resolve(name, "2").tags["ideko.promotion"] == '{"alias":"challenger"}'
    files = registry.verified_files(champion)  # downloaded from the server when remote
    assert sorted(p.name for p in files.iterdir()) == sorted(p.name for p in first.iterdir())
    assert (files / "evaluation.json").read_text() == (first / "evaluation.json").read_text()

    registry.delete_alias(name, "challenger")
    assert registry.get_model(name).aliases == {"champion": "1"}


def test_missing_model_version_and_alias_name_the_uri(registry_uri, model_dir, name):
    registry = open_registry(registry_uri)
    with pytest.raises(RegistryError, match="'nothing'"):
        registry.get_model("nothing")
    folder = model_dir()
    registry.create_version(name, str(folder), {}, None, folder.as_uri())
    with pytest.raises(RegistryError, match="version 7"):
        registry.resolve(name, "7")
    with pytest.raises(RegistryError, match="no alias 'champion'") as caught:
        registry.resolve(name, "champion")
    assert registry.uri in str(caught.value)


def test_embedded_store_lives_in_the_folder(embedded, model_dir, name):
    registry = open_registry(embedded)
    version = registry.create_version(name, str(model_dir()), {}, None)
    assert Path(version.model_uri).is_relative_to(Path(embedded) / "artifacts")
    assert (Path(embedded) / "mlflow.db").is_file()
