"""The UCR converter: .ts cases become IDEKO's layout, read back with the official split."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from ideko.runtime.data.errors import DataError
from ideko.runtime.data.prepare import prepare
from ideko.runtime.data.ucr import convert, packaged_ts_dir, read_ts

HEADER = ("#a comment\n@problemName Toy\n@timeStamps false\n@classLabel true a b\n"
          "@univariate true\n@data\n")
TRAIN = "1,2,3,4:a\n2,3,4,5:b\n0.5,?,1.5,2:a\n9,8,7,6:b\n"
TEST = "4,3,2,1:b\n1,1,1,1:a\n"


@pytest.fixture
def ts_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "Toy"
    folder.mkdir()
    (folder / "Toy_TRAIN.ts").write_text(HEADER + TRAIN, encoding="utf-8")
    (folder / "Toy_TEST.ts").write_text(HEADER + TEST, encoding="utf-8")
    return folder


def _data_config(classes: dict[str, str]) -> dict:
    return {
        "indicators": ["f1"],
        "classes": classes,
        "split": {"strategy": "by_day", "test_days": ["test"], "seed": 2},
        "quality_gate": {"min_series": 2, "min_per_class": 1, "max_nan_fraction": 0.5},
    }


def test_the_official_split_comes_back_through_the_reader(ts_dir: Path, tmp_path: Path) -> None:
    converted = convert(ts_dir, "Toy", tmp_path / "out")
    assert converted.classes == {"class_a": "a", "class_b": "b"}
    assert converted.counts == {"train": 4, "test": 2} and converted.length == 4
    assert sorted(p.relative_to(converted.root).as_posix()
                  for p in converted.root.rglob("*.zip"))[:2] == [
        "class_a/test/Toy_test_00001.zip", "class_a/train/Toy_train_00000.zip",
    ]  # fmt: skip
    train, test, _, report = prepare(converted.root, _data_config(converted.classes))
    assert len(train.X) == 4 and len(test.X) == 2
    assert set(test.days) == {"test"} and set(train.days) == {"train"}
    rows = {tuple(np.round(x[:, 0], 3)) for x in test.X}
    assert rows == {(4.0, 3.0, 2.0, 1.0), (1.0, 1.0, 1.0, 1.0)}
    assert report.verdict == "PASS"
    assert report.series_with_nan == 1 and report.nan_fraction == pytest.approx(1 / 24)  # "?"


def test_malformed_cases_are_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "Bad_TRAIN.ts"
    path.write_text(HEADER + "1,2,x:a\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"Bad_TRAIN.ts:7: could not convert string to float"):
        read_ts(path)
    path.write_text(HEADER + "1,2,3:c\n", encoding="utf-8")
    with pytest.raises(DataError, match="class 'c' is not declared by @classLabel"):
        read_ts(path)


def test_a_non_empty_target_needs_force(ts_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    convert(ts_dir, "Toy", out)
    with pytest.raises(DataError, match="is not empty; pass --force"):
        convert(ts_dir, "Toy", out)
    assert convert(ts_dir, "Toy", out, force=True).counts["train"] == 4


def test_sktime_ships_the_three_benchmark_sets() -> None:
    for name, (train, classes) in {"ArrowHead": (36, 3), "ItalyPowerDemand": (67, 2),
                                   "OSULeaf": (200, 6)}.items():
        data = read_ts(packaged_ts_dir(name) / f"{name}_TRAIN.ts")
        assert len(data.series) == train and len(set(data.labels)) == classes


def test_the_cli_converts_and_names_the_classes(tmp_path: Path, capsys) -> None:
    from ideko.cli.main import main

    assert main(["data", "ucr", "ItalyPowerDemand", str(tmp_path / "ipd")]) == 0
    assert "67 train + 1029 test series" in capsys.readouterr().err
    assert main(["data", "ucr", "NoSuchSet", str(tmp_path / "x")]) == 2
    assert "sktime ships no data set 'NoSuchSet'" in capsys.readouterr().err
