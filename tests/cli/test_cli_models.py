"""`ideko models` on both backends: readable 80-column tables, --json, clear errors."""

from __future__ import annotations

import json

import pytest
from ideko.cli.main import main
from ideko.runtime.steps import register

pytestmark = pytest.mark.slow  # real registry stores for every backend

CONFIG = {"promotion": {"metric": "accuracy", "threshold": 0.5, "margin": 0.01}}


@pytest.fixture(params=["embedded", "kubeflow"])
def filled(request, model_dir, tmp_path):
    """A registry holding ideko v1 (champion, 0.80) and v2 (challenger, 0.805), both scored
    on the same test split."""
    uri = request.getfixturevalue(request.param)
    split = tmp_path / "test.npz"
    split.write_bytes(b"the same test split")
    register.run("ideko", uri, model_dir(0.80), CONFIG, split)
    register.run("ideko", uri, model_dir(0.805), CONFIG, split)
    return uri


def _run(capsys, *args):
    status = main(["models", *args])
    out, err = capsys.readouterr()
    if "--json" not in args:  # tables fit 80 columns; JSON is for programs
        assert all(len(line) <= 80 for line in out.splitlines()), out
    return status, out, err


def test_list_show_compare(filled, capsys):
    status, out, _ = _run(capsys, "list", "--registry", filled)
    assert status == 0
    assert out.splitlines()[0].split() == ["NAME", "CHAMPION", "ACCURACY", "CHALLENGER",
                                           "LATEST", "VERSIONS"]  # fmt: skip
    assert out.splitlines()[2].split() == ["ideko", "v1", "0.8000", "v2", "v2", "2"]
    status, out, _ = _run(capsys, "show", "ideko", "--registry", filled)
    assert status == 0 and "champion history:" in out
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line.startswith("v")}
    assert rows["v1"][1] == "champion" and rows["v2"][1] == "challenger"
    status, out, _ = _run(capsys, "show", "ideko/@challenger", "--registry", filled)
    assert "promotion.reason" in out and "stays challenger" in out  # cut at 80 columns
    status, out, _ = _run(capsys, "show", "ideko/2", "--registry", filled, "--json")
    reason = json.loads(json.loads(out)["tags"]["ideko.promotion"])["reason"]
    assert "does not beat champion v1's 0.8000" in reason
    status, out, _ = _run(capsys, "compare", "ideko", "1", "2", "--registry", filled)
    accuracy = next(line for line in out.splitlines() if line.startswith("test.accuracy"))
    assert accuracy.split() == ["test.accuracy", "0.8000", "0.8050", "+0.0050"]


def test_promote_and_rollback_record_the_change(filled, capsys):
    status, out, _ = _run(capsys, "promote", "ideko", "2", "--registry", filled,
                          "--reason", "better on the spindle data")  # fmt: skip
    assert status == 0 and "champion is now v2 (was v1)" in out
    assert "better on the spindle data" in out
    status, out, _ = _run(capsys, "rollback", "ideko", "--registry", filled, "--json")
    entry = json.loads(out)
    assert (entry["action"], entry["version"], entry["previous"]) == ("rollback", "1", "2")
    status, out, _ = _run(capsys, "show", "ideko", "--registry", filled, "--json")
    shown = json.loads(out)
    assert shown["aliases"]["champion"] == "1"
    assert [e["action"] for e in shown["champion_history"]] == ["promote", "promote", "rollback"]


def test_list_json_and_errors(embedded, capsys):
    status, out, _ = _run(capsys, "list", "--registry", embedded, "--json")
    assert status == 0 and json.loads(out)["models"] == []
    status, out, err = _run(capsys, "show", "nothing/1", "--registry", embedded)
    assert status == 1 and out == ""
    assert err.startswith("ideko models: error: ") and "'nothing'" in err
    assert len(err.strip().splitlines()) == 1
