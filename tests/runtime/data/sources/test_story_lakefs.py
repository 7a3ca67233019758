"""The versioned-data story against the lakeFS double, through lakeFS's official clients:
import → run → the branch moves *during* the run (the run keeps its commit) → run again (the
new commit) → rerun the first commit (same cache key, byte-identical arrays) → merge, tag,
revert. The runs stop at the quality gate on purpose (``min_series`` above the data): the
runner, the pinning and the preprocess task are real, no model is trained (the DVC story
trains one).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from ideko.cli.main import main as ideko
from lakefs_double import LakeFSDouble
from versioned_helpers import data_version, preprocess_again, run_spec, versioned_spec

pytestmark = pytest.mark.slow  # three pipeline runs against the lakeFS double

REPO = "ideko-data"
URI = f"lakefs://{REPO}/raw"
GATE = json.dumps({"indicators": ["f3", "f4", "f5"], "quality_gate": {"min_series": 10}})


@pytest.fixture(scope="module")
def lakefs(datasets) -> Iterator[LakeFSDouble]:
    with LakeFSDouble() as double, pytest.MonkeyPatch.context() as patch:
        for name, value in double.environ().items():
            patch.setenv(name, value)
        double.state.create_repository(REPO)
        yield double


def cli_json(capsys: pytest.CaptureFixture[str], *argv: str) -> object:
    code = ideko(["data", *argv, "--source", URI, "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def tree(folder: Path) -> dict[str, bytes]:
    return {
        f"raw/{p.relative_to(folder).as_posix()}": p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def story(lakefs: LakeFSDouble, datasets, tmp_path_factory: pytest.TempPathFactory) -> dict:
    first, changed = datasets
    tmp = tmp_path_factory.mktemp("lakefs-story")
    assert (
        ideko(
            [
                "data",
                "import",
                str(first),
                "--source",
                URI,
                "--to",
                "main",
                "-m",
                "day 1",
                "--data-config",
                GATE,
            ]
        )
        == 0
    )
    c1 = lakefs.state.repositories[REPO].branches["main"]
    source = {
        "lakefs": {
            "endpoint": lakefs.url,
            "repository": REPO,
            "ref": "main",
            "path": "raw",
            "run_branches": True,
        }
    }
    spec = versioned_spec(tmp, source, min_series=1000)  # stop at the gate: no training
    moved: list[str] = []

    def move_main_once(method: str, path: str) -> None:
        """Another writer commits to main while the run's preprocess task lists objects."""
        if path.endswith("/objects/ls") and not moved:
            moved.append(lakefs.state.commit_files(REPO, "main", tree(changed), "concurrent"))

    lakefs.state.on_request = move_main_once
    one = run_spec(spec, tmp / "runs", launcher="process")  # no task trains: no warm server
    lakefs.state.on_request = None
    two = run_spec(spec, tmp / "runs", launcher="process")
    again = run_spec(spec, tmp / "runs", launcher="process", data_ref=c1)
    return {"c1": c1, "c2": moved[0], "one": one, "two": two, "again": again}


def test_a_run_keeps_its_commit_while_the_branch_moves(story):
    one, two = story["one"], story["two"]
    assert one.status == two.status == "succeeded", one.failure + two.failure
    assert data_version(one) == {
        "source": "lakefs",
        "uri": URI,
        "ref": story["c1"],
        "commit": story["c1"],
    }
    assert one.records["preprocess"].outputs.parameters["num_series"] == 24  # not the 6 of c2
    assert data_version(two)["commit"] == story["c2"] != story["c1"]
    assert two.records["preprocess"].outputs.parameters["num_series"] == 6


def test_every_run_got_its_own_branch_at_its_commit(story, lakefs):
    """The spec's run_branches switch: ideko-<run-id> from the pinned commit."""
    branches = lakefs.state.repositories[REPO].branches
    for run, commit in ((story["one"], story["c1"]), (story["two"], story["c2"])):
        assert branches[f"ideko-{run.run_id}"] == commit


def test_rerun_of_the_first_commit_is_served_from_its_cache_entry(story, tmp_path):
    one, again = story["one"], story["again"]
    assert again.records["preprocess"].cached
    assert (
        again.records["preprocess"].outputs.parameters
        == one.records["preprocess"].outputs.parameters
    )
    preprocess_again(one, URI, story["c1"], tmp_path)  # and the pinned commit reads the same


def test_history_commands_through_the_official_client(story, lakefs, datasets, capsys):
    _, changed = datasets
    c1, c2 = story["c1"], story["c2"]
    assert [c["id"] for c in cli_json(capsys, "log", "main")][:2] == [c2, c1]
    diff = cli_json(capsys, "diff", c1, c2)
    assert {c["kind"] for c in diff["changes"]} == {"changed", "removed"}
    assert cli_json(capsys, "tag", "v1", c1)["commit"] == c1
    assert cli_json(capsys, "show", "v1")["quality"] == {
        "verdict": "PASS",
        "num_series": 24,
        "reasons": [],
    }
    assert cli_json(capsys, "branch", "fix", "--from", "v1")["commit"] == c1
    fixed = cli_json(capsys, "import", str(changed), "--to", "fix", "-m", "smaller")["commit"]
    assert cli_json(capsys, "branch", "release", "--from", "v1")["commit"] == c1
    merged = cli_json(capsys, "merge", "fix", "--into", "release")["commit"]
    assert merged not in (c1, fixed) and cli_json(capsys, "diff", fixed, "release")["changes"] == []
    reverted = cli_json(capsys, "revert", fixed, "--on", "fix")["commit"]
    assert reverted != fixed and cli_json(capsys, "diff", "v1", "fix")["changes"] == []
    listed = {b for b in cli_json(capsys, "branch") if not b.startswith("ideko-")}
    assert listed == {"main", "fix", "release"}
    assert ideko(["data", "log", "fix", "--source", URI]) == 0
    assert "Revert" in capsys.readouterr().out


def test_the_clients_traps_are_met(story, lakefs):
    """Uploads went through the direct (non-presigned) API with chunked bodies."""
    uploads = [r for r in lakefs.state.requests if r[0] == "POST" and r[1].endswith("/objects")]
    assert uploads and all(h.get("Transfer-Encoding") == "chunked" for _, _, h in uploads)
    assert not [r for r in lakefs.state.requests if "/staging/" in r[1]]
