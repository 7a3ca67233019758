"""Bad input and faults of versioned sources: each is one clear error naming what is wrong,
raised before any training; a failed upload commits nothing."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from ideko.runtime.data.errors import DataError
from ideko.runtime.data.sources.dvc import DvcSource
from ideko.runtime.data.sources.lakefs import LakeFSSource
from ideko.runtime.data.sources.resolve import materialize, pin
from lakefs_double import LakeFSDouble
from versioned_helpers import ROOT, git_repo

REPO = "ideko-data"


@pytest.fixture(scope="module")
def lakefs():
    with LakeFSDouble() as double:
        double.state.create_repository(REPO)
        yield double


@pytest.fixture(scope="module")
def dvc_repo(tmp_path_factory, datasets) -> Path:
    repo = git_repo(tmp_path_factory.mktemp("dvc-faults") / "repo")
    DvcSource(f"dvc+{repo}#raw").import_tree(datasets[0], "main", "first", {})
    return repo


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_unknown_lakefs_repository_and_ref_are_named(lakefs):
    with pytest.raises(DataError, match=r"ref 'main'.*not found.*'nope'"):
        pin("lakefs://nope/raw", "main", lakefs.environ())
    with pytest.raises(DataError, match=r"ref 'no-such-branch'.*not found"):
        pin(f"lakefs://{REPO}/raw", "no-such-branch", lakefs.environ())


def test_unknown_dvc_ref_is_named(dvc_repo):
    with pytest.raises(DataError, match=r"unknown ref 'v9' in .*repo"):
        pin(f"dvc+{dvc_repo}#raw", "v9")
    with pytest.raises(DataError, match="not a git repository"):
        pin(f"dvc+{dvc_repo.parent}#raw", "main")


def test_unknown_ref_fails_the_run_before_any_task(tmp_path, dvc_repo):
    """The committed IR run with ``-p data_uri=dvc+… -p data_ref=gone``: no task starts."""
    from ideko.local.runner.errors import RunnerError
    from ideko.local.runner.run import LocalRunner, RunOptions

    ir = ROOT / "generated" / "ideko-anomaly-classification" / "pipeline.yaml"
    given = {"data_uri": f"dvc+{dvc_repo}#raw", "data_ref": "gone"}
    runner = LocalRunner(RunOptions(run_root=tmp_path / "runs", parameters=given))
    with pytest.raises(RunnerError, match=r"data: .*unknown ref 'gone'"):
        runner.run(ir)
    assert not list((tmp_path / "runs").glob("*/state.json"))  # no run was created


def test_endpoint_that_does_not_answer(lakefs):
    environ = {
        **lakefs.environ(),
        "LAKECTL_SERVER_ENDPOINT_URL": f"http://127.0.0.1:{closed_port()}",
    }
    with pytest.raises(
        DataError, match=r"lakeFS endpoint http://127\.0\.0\.1:\d+/api/v1 did not answer"
    ):
        pin(f"lakefs://{REPO}/raw", "main", environ)


def test_the_preprocess_step_fails_with_one_line_so_its_retry_policy_applies(
    tmp_path, lakefs, monkeypatch, capsys
):
    """The step exits non-zero (the runner's retry policy retries any failed attempt) with the
    endpoint named on one line, no traceback."""
    from ideko.runtime.steps.preprocess import main

    for name, value in lakefs.environ().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("LAKECTL_SERVER_ENDPOINT_URL", f"http://127.0.0.1:{closed_port()}")
    out = [f"--{k}={tmp_path / k}" for k in ("train-data", "test-data", "metadata", "report")]
    data = [f"--data-uri=lakefs://{REPO}/raw", "--data-ref=main"]
    assert main([*data, '--data-config={"indicators": ["f3"]}', *out]) == 2
    err = capsys.readouterr().err
    assert "did not answer" in err and "Traceback" not in err and len(err.splitlines()) == 1


def test_missing_credentials_are_named(lakefs):
    with pytest.raises(
        DataError, match="LAKECTL_CREDENTIALS_ACCESS_KEY_ID, LAKECTL_CREDENTIALS_SECRET"
    ):
        pin(f"lakefs://{REPO}/raw", "main", {"LAKECTL_SERVER_ENDPOINT_URL": lakefs.url})
    wrong = {**lakefs.environ(), "LAKECTL_CREDENTIALS_SECRET_ACCESS_KEY": "wrong"}
    with pytest.raises(DataError, match="refused the credentials"):
        pin(f"lakefs://{REPO}/raw", "main", wrong)


def test_a_partial_lakefs_upload_commits_nothing(lakefs, datasets):
    source = LakeFSSource(f"lakefs://{REPO}/partial", lakefs.environ())
    head = source.resolve("main")
    lakefs.state.fail_uploads_after = lakefs.state.uploads + 3
    try:
        with pytest.raises(DataError, match="lakeFS error 500"):
            source.import_tree(datasets[0], "main", "half", {})
    finally:
        lakefs.state.fail_uploads_after = None
    assert source.resolve("main") == head
    assert not lakefs.state.repositories[REPO].staging.get("main")  # the branch was reset


def test_a_partial_dvc_import_commits_nothing(dvc_repo, tmp_path, datasets):
    import shutil
    import subprocess

    broken = tmp_path / "broken"
    shutil.copytree(datasets[1], broken)
    (broken / "not_anomalous" / "vanished.zip").symlink_to(tmp_path / "missing.zip")
    source = DvcSource(f"dvc+{dvc_repo}#raw")
    head = source.resolve("main")
    with pytest.raises(shutil.Error):
        source.import_tree(broken, "main", "half", {})
    assert source.resolve("main") == head
    status = subprocess.run(
        ["git", "-C", str(dvc_repo), "status", "--porcelain"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert status == ""
    folder, version = materialize(f"dvc+{dvc_repo}#raw", "main")
    assert version.commit == head and len(list(folder.rglob("*.zip"))) == 24


def test_a_ref_on_a_plain_path_is_a_mistake(tmp_path):
    with pytest.raises(DataError, match="not a versioned source"):
        pin(str(tmp_path), "main")
    folder, version = materialize(str(tmp_path), "")
    assert folder == tmp_path.resolve() and version.to_dict() == {
        "source": "local",
        "uri": str(tmp_path),
        "ref": None,
        "commit": None,
    }


def test_uri_shapes(tmp_path):
    with pytest.raises(DataError, match=r"expected dvc\+REPO#PATH"):
        DvcSource("dvc+repo-without-path")
    with pytest.raises(DataError, match="expected lakefs://REPO/PATH"):
        LakeFSSource("lakefs://only-repo")
