"""Versioned contract documents: version rules, errors that name the field, run state."""

from __future__ import annotations

import pytest
from ideko.schema.documents import (
    CONTRACTS,
    DocumentError,
    check_document,
    contract_schema,
    document_version,
)
from jsonschema import Draft202012Validator


@pytest.mark.parametrize("kind", sorted(CONTRACTS))
def test_every_contract_is_a_valid_schema(kind) -> None:
    Draft202012Validator.check_schema(contract_schema(kind))


def test_missing_version_means_one() -> None:
    assert document_version("model_config", {}) == 1
    assert document_version("dataset_metadata", {"format": "ideko-dataset/v1"}) == 1


@pytest.mark.parametrize("data", [[], "x", None])
def test_not_an_object(data) -> None:
    with pytest.raises(DocumentError, match="data_config must be a JSON object"):
        check_document("data_config", data)


def test_newer_version_is_refused_before_the_shape() -> None:
    newer = CONTRACTS["data_config"].current + 1
    with pytest.raises(DocumentError, match=f"version {newer} is newer than this runtime reads"):
        check_document("data_config", {"schema_version": newer, "whatever": 1})


def test_every_problem_is_listed_with_its_path() -> None:
    with pytest.raises(DocumentError) as caught:
        check_document("data_config", {"indicators": [], "split": {"seed": -1}})
    message = str(caught.value)
    assert message.startswith("invalid data_config:\n  - ")
    assert "indicators: [] should be non-empty" in message
    assert "split.seed: -1 is less than the minimum of 0" in message


def test_run_state_written_by_the_local_runner_is_valid() -> None:
    state = pytest.importorskip("ideko.local.runner.state")
    artifacts = pytest.importorskip("ideko.local.runner.artifacts")
    record = state.TaskRecord(
        state=state.SUCCEEDED,
        attempts=1,
        started=1.0,
        finished=2.0,
        outputs=artifacts.Outputs(
            parameters={"accuracy": 0.9},
            artifacts={"model": artifacts.ArtifactRef(name="model", uri="/tmp/m", digest="ab")},
        ),
    )
    run = state.RunState("r-1", "p", "0" * 64, {"seed": 2}, tasks={"train": record})
    assert check_document("run_state", run.to_json())
    broken = {**run.to_json(), "status": "half-done"}
    with pytest.raises(DocumentError, match="run_state: status: 'half-done' is not one of"):
        check_document("run_state", broken)
