"""Hostile or unlucky data trees: every entry the reader refuses is a reason, never a hang,
a traceback, unbounded memory or a silent skip (issue 15, "Data reader")."""

from __future__ import annotations

import json
import os
import random
import zipfile
from pathlib import Path

import pytest
from datatree_helpers import write_series, write_zip
from ideko.runtime.data import reader
from ideko.runtime.data.prepare import prepare
from ideko.runtime.data.reader import read_tree
from ideko.schema.limits import MAX_COMPRESSION_RATIO, MAX_SERIES_POINTS

CSV = "f3;f4;f5\n1;2;3\n4;5;6\n"


def _broken(raw) -> dict[str, str]:
    return {p.path: p.reason for p in raw.broken}


def _skipped(raw) -> dict[str, str]:
    return {p.path: p.reason for p in raw.skipped}


@pytest.fixture
def day(tmp_path: Path) -> Path:
    """``d/not_anomalous/day`` holding one good series."""
    write_series(tmp_path / "d", "not_anomalous", "day", "good", 6, 1)
    return tmp_path / "d" / "not_anomalous" / "day"


def test_symlink_to_dev_zero_is_broken_not_read(day, data_config) -> None:
    (day / "zero.zip").symlink_to("/dev/zero")
    raw = read_tree(day.parents[1], data_config)
    assert _broken(raw) == {
        "not_anomalous/day/zero.zip": "a symlink to a place outside the data root (not followed)"
    }
    assert raw.paths == ["not_anomalous/day/good.zip"]


def test_fifo_named_zip_is_broken_without_blocking(day, data_config) -> None:
    os.mkfifo(day / "x.zip")
    (day / "alias.zip").symlink_to(day / "x.zip")  # inside the root, still not a file
    raw = read_tree(day.parents[1], data_config)
    assert _broken(raw) == {
        "not_anomalous/day/alias.zip": "not a regular file (a FIFO); not read",
        "not_anomalous/day/x.zip": "not a regular file (a FIFO); not read",
    }


def test_zip_bomb_is_refused_by_its_ratio_before_inflating(day, data_config) -> None:
    rows = "0;0;0\n" * 400_000  # 2.4 MB of text deflating ~500x
    with zipfile.ZipFile(day / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb.csv", "f3;f4;f5\n" + rows)
    raw = read_tree(day.parents[1], data_config)
    reason = _broken(raw)["not_anomalous/day/bomb.zip"]
    assert reason.startswith("the zip member expands ") and "refused as a zip bomb" in reason
    assert f"more than the {MAX_COMPRESSION_RATIO}x" in reason


def test_decompressed_size_is_capped(day, data_config, monkeypatch) -> None:
    digits = random.Random(0).choices("0123456789", k=6000)  # deflates ~2x: not a bomb
    rows = "".join(f"{a};{b};{c}\n" for a, b, c in zip(*[iter(digits)] * 3, strict=True))
    with zipfile.ZipFile(day / "big.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("big.csv", "f3;f4;f5\n" + rows)  # 12 kB of text, ~5 kB zipped
    (day / "big.csv").write_text("f3;f4;f5\n" + rows)
    monkeypatch.setattr(reader, "MAX_DATA_FILE_BYTES", 8 * 1024)
    raw = read_tree(day.parents[1], data_config)
    reasons = _broken(raw)
    assert reasons["not_anomalous/day/big.zip"].startswith(
        "the zip member, uncompressed, is 0.0 MiB, more than the 0 MiB limit"
    )
    assert reasons["not_anomalous/day/big.csv"].startswith("the file is 0.0 MiB, more than")


def test_inflating_stops_at_the_cap_whatever_the_header_claims(tmp_path, monkeypatch) -> None:
    path = write_zip(tmp_path / "a.zip", {"a.csv": "f3;f4;f5\n" + "1;2;3\n" * 50})
    monkeypatch.setattr(reader, "MAX_DATA_FILE_BYTES", 100)
    monkeypatch.setattr(reader, "_CHUNK", 64)
    with zipfile.ZipFile(path) as archive, pytest.raises(reader.UnreadableFile) as info:
        reader._inflate(archive, archive.infolist()[0])  # the size pre-check is bypassed
    assert "more than the 0 MiB limit" in str(info.value)


def test_series_length_is_capped_before_parsing(day, data_config, monkeypatch) -> None:
    monkeypatch.setattr(reader, "MAX_SERIES_POINTS", 10)
    write_zip(day / "long.zip", {"long.csv": "f3;f4;f5\n" + "1;2;3\n" * 50})
    raw = read_tree(day.parents[1], data_config)
    assert _broken(raw)["not_anomalous/day/long.zip"] == (
        "the series has about 50 points, more than the 10 a series may have"
    )
    assert MAX_SERIES_POINTS == 100_000


def test_unlistable_day_folder_is_broken_and_the_rest_is_read(day, data_config, monkeypatch):
    locked = day.parent / "locked"
    write_series(day.parents[1], "not_anomalous", "locked", "a", 5, 2)
    real = Path.iterdir

    def iterdir(self: Path):
        if self == locked:  # chmod 000 does not stop root, who runs the CI here
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "iterdir", iterdir)
    raw = read_tree(day.parents[1], data_config)
    assert _broken(raw) == {
        "not_anomalous/locked/": "cannot list the folder (Permission denied); nothing in it "
        "was read"
    }
    assert raw.paths == ["not_anomalous/day/good.zip"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads folders whatever their mode")
def test_unreadable_day_folder_for_real(day, data_config) -> None:
    day.chmod(0)
    try:
        raw = read_tree(day.parents[1], data_config)
    finally:
        day.chmod(0o755)
    assert "cannot list the folder" in _broken(raw)["not_anomalous/day/"]


def test_undecodable_file_name_is_broken_and_reported_escaped(day, data_config, tmp_path):
    name = os.path.join(os.fsencode(day), b"bad\xff.zip")
    with open(name, "wb") as handle:
        handle.write((day / "good.zip").read_bytes())
    _, _, metadata, report = prepare(day.parents[1], data_config)
    reasons = _broken(report)
    assert reasons == {"not_anomalous/day/bad\\xff.zip": "the name is not valid UTF-8; "
                       "rename it (not read)"}
    json.dumps(metadata, ensure_ascii=False).encode("utf-8")  # the metadata stays writable


def test_symlinks_outside_the_root_are_broken_inside_are_read(day, data_config, tmp_path):
    outside = tmp_path / "elsewhere"
    write_series(outside, "not_anomalous", "day2", "far", 5, 3)
    (day / "far.zip").symlink_to(outside / "not_anomalous" / "day2" / "far.zip")
    (day.parent / "day2").symlink_to(outside / "not_anomalous" / "day2")
    (day / "near.zip").symlink_to(day / "good.zip")
    raw = read_tree(day.parents[1], data_config)
    outside_reason = "a symlink to a place outside the data root (not followed)"
    assert _broken(raw) == {"not_anomalous/day/far.zip": outside_reason,
                            "not_anomalous/day2": outside_reason}
    assert raw.paths == ["not_anomalous/day/good.zip", "not_anomalous/day/near.zip"]


def test_hidden_files_and_folders_are_skipped_with_a_reason(day, data_config) -> None:
    (day / ".DS_Store").write_bytes(b"\0")
    write_series(day.parents[1], "not_anomalous", ".hidden", "h", 5, 4)
    write_zip(day / ".shadow.zip", {"a.csv": CSV})
    raw = read_tree(day.parents[1], data_config)
    hidden = "hidden (its name starts with '.')"
    assert _skipped(raw) == {"not_anomalous/.hidden": hidden,
                             "not_anomalous/day/.DS_Store": hidden,
                             "not_anomalous/day/.shadow.zip": hidden}
    assert raw.paths == ["not_anomalous/day/good.zip"]


def test_refused_entries_reach_the_dataset_metadata(day, data_config) -> None:
    os.mkfifo(day / "x.zip")
    (day / ".hidden.csv").write_text(CSV)
    _, _, metadata, _ = prepare(day.parents[1], data_config)
    text = json.dumps(metadata)
    assert "not_anomalous/day/x.zip" in text and "not a regular file (a FIFO)" in text
    assert "not_anomalous/day/.hidden.csv" in text
