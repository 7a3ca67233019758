"""Faults: an unreachable registry, two registrations racing, an alias at a deleted version,
model files that fail their checksum when read back."""

from __future__ import annotations

import json
import multiprocessing
import socket
import threading
from pathlib import Path
from typing import Any

import pytest
from ideko.runtime.registry import RegistryError, open_registry
from ideko.runtime.registry.checksum import directory_checksum
from ideko.runtime.steps import register

CONFIG = {"promotion": {"metric": "accuracy", "threshold": 0.5, "margin": 0.0}}


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nobody listens once it is closed


@pytest.mark.parametrize("backend", ["mlflow", "kubeflow"])
def test_unreachable_registry_is_one_error_naming_the_uri(backend, model_dir, tmp_path):
    uri = f"http://127.0.0.1:{_closed_port()}"
    with pytest.raises(RegistryError, match=f"registry {uri} is unreachable"):
        open_registry(uri, backend)
    # the register step fails (non-zero exit, one line): the task's retry policy retries it
    best = model_dir()
    status = register.main(["--model-name", "ideko", "--registry-uri", uri,
                            "--best-model", str(best),
                            "--registry-config", json.dumps({"backend": backend})])  # fmt: skip
    assert status != 0


def _register_in_child(uri: str, best: str, out: str) -> None:
    result = register.run("ideko", uri, best, CONFIG)
    Path(out).write_text(json.dumps({"version": result["version"], "alias": result["alias"]}))


def test_two_registrations_racing_give_two_versions_and_keep_both_aliases(
    embedded, model_dir, tmp_path
):
    bests = [model_dir(0.8), model_dir(0.9)]
    context = multiprocessing.get_context("fork")
    children = [
        context.Process(target=_register_in_child,
                        args=(embedded, str(best), str(tmp_path / f"out{i}.json")))
        for i, best in enumerate(bests)
    ]  # fmt: skip
    for child in children:
        child.start()
    for child in children:
        child.join(120)
        assert child.exitcode == 0
    outcomes = [json.loads((tmp_path / f"out{i}.json").read_text()) for i in range(2)]
    assert sorted(o["version"] for o in outcomes) == ["1", "2"]
    registry = open_registry(embedded)
    aliases = registry.get_model("ideko").aliases
    assert set(aliases) <= {"champion", "challenger"} and "champion" in aliases
    versions = {v.version for v in registry.list_versions("ideko")}
    assert set(aliases.values()) <= versions  # no alias at a version that is not there


def test_kubeflow_registrations_racing_take_distinct_numbers(kubeflow, model_dir):
    registry = open_registry(kubeflow)
    folder = model_dir()
    registry.create_version("ideko", str(folder), {}, None, folder.as_uri())
    made: list[str] = []

    def one() -> None:
        own = open_registry(kubeflow)
        made.append(own.create_version("ideko", str(folder), {}, None, folder.as_uri()).version)

    threads = [threading.Thread(target=one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(made) == ["2", "3"]


@pytest.mark.parametrize("backend", ["embedded", "kubeflow"])
def test_alias_at_a_deleted_version(backend, request, model_dir):
    uri = request.getfixturevalue(backend)
    first = register.run("ideko", uri, model_dir(0.8), CONFIG)
    assert first["alias"] == "champion"
    registry = open_registry(uri)
    registry.delete_version("ideko", "1")
    if backend == "kubeflow":  # the alias survives as a property: resolving it says why not
        with pytest.raises(RegistryError, match="points at version 1, which no longer exists"):
            registry.resolve("ideko", "champion")
    else:  # MLflow drops the alias with the version
        with pytest.raises(RegistryError, match="no alias 'champion'"):
            registry.resolve("ideko", "champion")
    second = register.run("ideko", uri, model_dir(0.6), CONFIG)
    assert second["alias"] == "champion"
    assert "no champion" in second["reason"] or "no longer exists" in second["reason"]


def test_files_failing_their_checksum_are_refused(embedded, model_dir):
    registry = open_registry(embedded)
    folder = model_dir()
    tags = {"ideko.checksum": directory_checksum(folder)}
    version = registry.create_version("ideko", str(folder), tags, None)
    stored = registry.verified_files(version)
    (stored / "evaluation.json").write_text("{}")  # damaged after registration
    with pytest.raises(RegistryError, match="fail their checksum"):
        registry.verified_files(registry.resolve("ideko", "1"))


def _open_fresh_store(folder: str, barrier: Any) -> None:
    from ideko.runtime.registry.mlflow_store import open_client
    from ideko.runtime.registry.uri import parse_location

    barrier.wait(60)
    open_client(parse_location(folder)).search_registered_models()


def test_first_opens_of_a_new_store_racing_migrate_it_once(tmp_path):
    """Two training tasks' tracking and a register task may be the first to open a new
    embedded store at the same moment: MLflow migrates the schema as the client is made, so
    one of them migrates while the others wait, and each then works."""
    import mlflow  # noqa: F401  (imported before the fork, as in a warm engine)

    folder = tmp_path / "registry"
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(3)
    children = [
        context.Process(target=_open_fresh_store, args=(str(folder), barrier)) for _ in range(3)
    ]
    for child in children:
        child.start()
    for child in children:
        child.join(120)
    assert [child.exitcode for child in children] == [0, 0, 0]
