"""``ideko submit`` pins a versioned source's ``data_ref`` to its commit before the run exists."""

from __future__ import annotations

import subprocess
from pathlib import Path

from ideko.cli.submit import _pin_data_ref

ROOT = Path(__file__).resolve().parents[2]


def test_submitted_run_carries_the_commit(tmp_path: Path):
    """The committed IR with the data parameters given as ``-p`` (no compile needed)."""
    from ideko.runtime.data.sources.dvc import DvcSource
    from ideko.runtime.data.synth import SynthOptions, generate

    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    generate(tmp_path / "data", SynthOptions(series=6, days=1, min_length=10, max_length=12))
    commit = DvcSource(f"dvc+{repo}#raw").import_tree(tmp_path / "data", "main", "one", {})
    text = (ROOT / "generated" / "ideko-anomaly-classification" / "pipeline.yaml").read_text()
    given = {"data_uri": f"dvc+{repo}#raw", "data_ref": "main"}
    pinned, sent = _pin_data_ref(text, {**given, "seed": 2}, given)
    assert pinned["data_ref"] == sent["data_ref"] == commit
    assert pinned["seed"] == 2 and sent["data_uri"] == given["data_uri"]
