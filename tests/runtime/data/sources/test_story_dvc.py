"""The whole versioned-data story on a real git repository with DVC, through ``ideko data``
and the runner of ``ideko run``: import → run (trains) → a change on a branch → run (its
commit fails the quality gate: preprocess only) → the two runs name different commits in the
dataset metadata and lineage → rerun the first commit (same cache key, same arrays and
metrics) → revert the change.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ideko.cli.main import main as ideko
from versioned_helpers import (
    artifact_file,
    data_version,
    git_repo,
    preprocess_again,
    run_spec,
    versioned_spec,
)

pytestmark = pytest.mark.slow  # one pipeline run that trains one tiny model

TRAIN = "condition-1/train-neural-network"
EVALUATE = "condition-1/evaluate-neural-network"


def cli_json(capsys: pytest.CaptureFixture[str], *argv: str) -> object:
    assert ideko(["data", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory, datasets: tuple[Path, Path]) -> dict:
    """import → run 1 → branch + changed import → run 2 → rerun of commit 1."""
    first, changed = datasets
    tmp = tmp_path_factory.mktemp("dvc-story")
    repo = git_repo(tmp / "repo")
    uri = f"dvc+{repo}#raw"
    gate = json.dumps({"indicators": ["f3", "f4", "f5"], "quality_gate": {"min_series": 10}})
    source = ["--source", uri, "--data-config", gate]
    assert ideko(["data", "import", str(first), *source, "--to", "main", "-m", "day 1"]) == 0
    spec = versioned_spec(tmp, {"dvc": {"repo": str(repo), "path": "raw", "ref": "main"}})
    runs = tmp / "runs"
    one = run_spec(spec, runs)
    assert ideko(["data", "branch", "more-data", "--source", uri, "--from", "main"]) == 0
    assert ideko(["data", "import", str(changed), *source, "--to", "more-data", "-m", "new"]) == 0
    two = run_spec(spec, runs, launcher="process", data_ref="more-data")  # stops at the gate
    again = run_spec(spec, runs, data_ref=data_version(one)["commit"])
    return {"uri": uri, "runs": runs, "one": one, "two": two, "again": again}


def test_each_run_names_the_commit_it_read(story):
    from ideko.local.runner.lineage import LineageStore
    from ideko.local.runner.runs_view import model_chains
    from ideko.runtime.data.sources.dvc import DvcSource

    source = DvcSource(story["uri"])
    one, two = story["one"], story["two"]
    assert one.status == two.status == "succeeded", one.failure + two.failure
    main, branch = source.resolve("main"), source.resolve("more-data")
    assert main != branch
    # pinned at run start: the run carries the commit, not the branch name
    assert data_version(one) == {"source": "dvc", "uri": story["uri"], "ref": main, "commit": main}
    assert data_version(two)["commit"] == branch
    store = LineageStore(story["runs"] / "lineage.sqlite")
    try:
        chains = {c.trained_by: c for c in model_chains(store, one.run_id)}
        (preprocess,) = [e for e in store.executions(two.run_id) if e.task == "preprocess"]
    finally:
        store.close()
    assert preprocess.input_parameters["data_ref"] == branch
    assert chains[TRAIN].data["data_ref"] == main
    evaluation = json.loads(artifact_file(one, EVALUATE, "evaluation").read_text())
    assert evaluation["lineage"]["data_version"] == data_version(one)
    assert main in one.report.read_text()


def test_a_commit_failing_the_gate_is_reported_with_its_id(story):
    two = story["two"]
    outputs = two.records["preprocess"].outputs.parameters
    assert outputs["verdict"] == "FAIL"
    commit = data_version(two)["commit"]
    assert f"data commit {commit} fails the quality gate" in json.loads(outputs["reasons"])[0]
    assert all(r.state == "skipped" for p, r in two.records.items() if p != "preprocess")


def test_rerun_of_the_first_commit_is_the_first_run(story):
    one, again = story["one"], story["again"]
    assert again.status == "succeeded", again.failure
    ran = {p for p, r in again.records.items() if r.state == "succeeded" and not r.cached}
    assert ran <= {"condition-1/condition-2/register-model"}  # the cache key is the commit
    for task in ("preprocess", EVALUATE):
        assert again.records[task].outputs.parameters == one.records[task].outputs.parameters


def test_preprocessing_a_commit_again_gives_byte_identical_arrays(story, tmp_path: Path):
    """A fresh preprocess (no cache) of the first commit, after the branch moved on."""
    commit = data_version(story["one"])["commit"]
    paths = preprocess_again(story["one"], story["uri"], commit, tmp_path)
    assert commit in Path(paths["report"]).read_text()


def test_log_diff_show_tag_and_revert(story, capsys):
    source = ["--source", story["uri"]]
    log = cli_json(capsys, "log", "more-data", *source)
    assert [c["message"] for c in log] == ["new", "day 1"]
    assert log[0]["metadata"]["ideko.quality.verdict"] == "FAIL"
    diff = cli_json(capsys, "diff", "main", "more-data", *source)
    assert {c["kind"] for c in diff["changes"]} == {"changed", "removed"}
    assert {g["class"] for g in diff["groups"]} == {
        "electrical_anomalies",
        "mechanical_anomalies",
        "not_anomalous",
    }
    shown = cli_json(capsys, "show", "more-data", *source)
    assert shown["quality"]["verdict"] == "FAIL" and sum(shown["files_per_class"].values()) == 6
    assert cli_json(capsys, "tag", "v1", "main", *source)["commit"] == log[1]["id"]
    reverted = cli_json(capsys, "revert", log[0]["id"], "--on", "more-data", *source)
    assert reverted["commit"] not in (log[0]["id"], log[1]["id"])
    assert cli_json(capsys, "diff", "v1", "more-data", *source)["changes"] == []
    assert ideko(["data", "log", "more-data", *source]) == 0
    assert "Revert" in capsys.readouterr().out
    merged = cli_json(capsys, "merge", "more-data", "--into", "main", *source)["commit"]
    assert cli_json(capsys, "log", "main", *source)[0]["id"] == merged
    assert cli_json(capsys, "diff", "v1", "main", *source)["changes"] == []
