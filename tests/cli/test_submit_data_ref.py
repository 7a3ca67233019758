"""``ideko submit`` pins a versioned source's ``data_ref`` to its commit before the run exists."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml
from ideko.cli.submit import _pin_data_ref

ROOT = Path(__file__).resolve().parents[2]


def test_submitted_run_carries_the_commit(tmp_path: Path):
    from ideko.compiler.api import load_spec, render
    from ideko.runtime.data.sources.dvc import DvcSource
    from ideko.runtime.data.synth import SynthOptions, generate

    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    generate(tmp_path / "data", SynthOptions(series=6, days=1, min_length=10, max_length=12))
    commit = DvcSource(f"dvc+{repo}#raw").import_tree(tmp_path / "data", "main", "one", {})
    spec = yaml.safe_load((ROOT / "specs" / "ideko.yaml").read_text())
    spec["data"]["source"] = {"dvc": {"repo": str(repo), "path": "raw", "ref": "main"}}
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec))
    loaded = load_spec(str(path))
    text = render(loaded)[f"{loaded.metadata.name}/pipeline.yaml"]
    arguments = {"data_uri": f"dvc+{repo}#raw", "data_ref": "main", "seed": 2}
    pinned, given = _pin_data_ref(text, arguments, {"seed": 2})
    assert pinned["data_ref"] == given["data_ref"] == commit
    assert given["seed"] == 2
