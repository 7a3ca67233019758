"""The preprocess step (component/run/CLI), the `ideko data` commands, the step plumbing."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pytest
from ideko.cli.main import main as ideko_main
from ideko.runtime.artifact_uri import artifact_path, local_dir
from ideko.runtime.cli_args import json_object
from ideko.runtime.data.dataset_io import load_dataset, load_metadata
from ideko.runtime.errors import UserError
from ideko.runtime.steps import preprocess

CONFIG = {
    "indicators": ["f3", "f4", "f5"],
    "split": {"strategy": "stratified", "test_size": 0.25, "seed": 2},
    "quality_gate": {"min_series": 4, "min_per_class": 1, "max_nan_fraction": 0.0},
}


@dataclass
class FakeArtifact:
    path: str
    metadata: dict = field(default_factory=dict)


def test_component_writes_artifacts_and_metadata(good_tree, tmp_path, monkeypatch):
    monkeypatch.chdir(good_tree.parent)
    arts = {name: FakeArtifact(str(tmp_path / "out" / name)) for name in ("tr", "te", "md", "qr")}
    outputs = preprocess.component(
        data_uri="data",  # relative to the current directory
        seed=3,
        data_config=json.dumps(CONFIG),
        train_data=arts["tr"],
        test_data=arts["te"],
        dataset_metadata=arts["md"],
        quality_report=arts["qr"],
    )
    floor = "the validation set has 3 series, below the floor of 10"
    (reason,) = json.loads(outputs.pop("reasons"))  # 12 series: 9 train rows, 3 validate
    assert reason.startswith(floor)
    assert outputs == {"verdict": "PASS", "num_series": 12}
    quality = arts["tr"].metadata["data_quality"]  # what evaluate and the run summary read
    assert quality["reasons"] == [reason] and quality["validation"]["rows"] == 3
    train = load_dataset(arts["tr"].path)
    meta = load_metadata(arts["md"].path)
    assert meta["split"]["seed"] == 3 and meta["source"]["uri"] == "data"
    assert meta["shapes"]["train"] == list(train.X.shape)
    assert arts["tr"].metadata["padding_value"] == 0.0
    assert arts["te"].metadata["shape"] == meta["shapes"]["test"]
    assert arts["qr"].metadata["verdict"] == "PASS"
    assert open(arts["qr"].path).read().startswith("# Data quality report: PASS")


def test_cli_runs_and_reports_fail_as_output(good_tree, tmp_path, capsys):
    (good_tree / "not_anomalous" / "2024-03-01" / "bad.zip").write_bytes(b"x")
    config = {**CONFIG, "quality_gate": {**CONFIG["quality_gate"], "min_series": 100}}
    out = tmp_path / "o"
    argv = [
        "--data-uri", str(good_tree), "--data-config", json.dumps(config), "--seed", "2",
        "--train-data", str(out / "train"), "--test-data", str(out / "test"),
        "--metadata", str(out / "meta.json"), "--report", str(out / "report.md"),
    ]  # fmt: skip
    assert preprocess.main(argv) == 0
    captured = capsys.readouterr()
    outputs = json.loads(captured.out)
    assert outputs["verdict"] == "FAIL" and outputs["num_series"] == 12
    reasons = json.loads(outputs["reasons"])
    assert reasons[0].startswith("12 readable series, the gate needs at least 100")
    assert "broken file not_anomalous/2024-03-01/bad.zip" in reasons[1]
    printed = captured.err.splitlines()  # every reason is on the console too
    assert printed[0] == "data quality: FAIL"
    assert f"  FAIL: {reasons[0]}" in printed and f"  warning: {reasons[1]}" in printed
    assert any(line.startswith("  validation: 3 of 9 training series") for line in printed)
    assert np.isfinite(load_dataset(out / "train").X).all()


@pytest.mark.parametrize(
    ("uri", "config", "message"),
    [
        ("https://host/data", CONFIG, "https:// sources are not supported yet"),
        ("lakefs://repo/main/data", CONFIG, "lakeFS source needs LAKECTL_SERVER_ENDPOINT_URL"),
        ("missing-dir", CONFIG, "'missing-dir' does not exist"),
        ("DATA", {"indicators": []}, "indicators: list at least one"),
        ("DATA", {**CONFIG, "split": {"strategy": "kfold"}}, "'kfold' is not one of"),
    ],
)
def test_cli_bad_input_is_one_line_error(good_tree, tmp_path, capsys, uri, config, message):
    argv = [
        "--data-uri", str(good_tree) if uri == "DATA" else uri,
        "--data-config", json.dumps(config),
        "--train-data", str(tmp_path / "a"), "--test-data", str(tmp_path / "b"),
        "--metadata", str(tmp_path / "c"), "--report", str(tmp_path / "d"),
    ]  # fmt: skip
    assert preprocess.main(argv, prog="ideko step preprocess") == 2
    err = capsys.readouterr().err
    assert err.startswith("ideko step preprocess: error:") and message in err
    assert "Traceback" not in err
    assert not (tmp_path / "a").exists()


def test_args_helpers(tmp_path):
    (tmp_path / "c.json").write_text('{"a": 1}')
    assert json_object(f"@{tmp_path / 'c.json'}", "x") == {"a": 1}
    with pytest.raises(UserError, match="expected a JSON object"):
        json_object("[1]", "x")
    with pytest.raises(UserError, match="not valid JSON"):
        json_object("{", "x")
    assert local_dir(tmp_path.as_uri()) == tmp_path.resolve()
    assert artifact_path(FakeArtifact("/p")) == "/p" and artifact_path(tmp_path) == str(tmp_path)


def test_ideko_data_synth_and_inspect(tmp_path, capsys):
    out = str(tmp_path / "syn")
    assert ideko_main(["data", "synth", out, "--series", "9", "--days", "1", "--seed", "4"]) == 0
    assert ideko_main(["data", "synth", out, "--series", "9"]) == 2
    assert "pass --force" in capsys.readouterr().err
    assert ideko_main(["data", "inspect", out]) == 0
    assert "# Data quality report: PASS" in capsys.readouterr().out
    config = json.dumps({"indicators": ["f3"], "quality_gate": {"min_series": 10}})
    assert ideko_main(["data", "inspect", out, "--data-config", config]) == 1
    assert "9 readable series" in capsys.readouterr().out
