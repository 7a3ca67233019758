"""A local data folder's files are part of the cache key: new data is never served stale.

(Found by running `make demo` twice with different `DATA_SEED`s: the second run restored
every task from the cache, preprocessing included, and "registered" the first run's model.)
"""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

from ideko.local.runner.cache import cache_key
from ideko.local.runner.local_data import local_data_signatures, local_folder


def _key(data_uri: str) -> str:
    node = SimpleNamespace(executor={"image": "x", "command": ["python"]}, component={})
    inputs = SimpleNamespace(parameters={"data_uri": data_uri, "seed": 2}, artifacts={})
    return cache_key(node, inputs)


def _tree(root: Path) -> Path:
    for day in ("d1", "d2"):
        (root / "a" / day).mkdir(parents=True)
        (root / "a" / day / "s.zip").write_bytes(b"zip " + day.encode())
    return root


def test_the_key_follows_the_files_of_a_local_folder(tmp_path: Path):
    data = _tree(tmp_path / "data")
    first = _key(str(data))
    assert _key(str(data)) == first  # nothing changed: a cache hit
    # file:// names the same folder, whose files are signed the same way
    assert local_data_signatures({"data_uri": data.as_uri()}) == local_data_signatures(
        {"data_uri": str(data)}
    )
    (data / "a" / "d1" / "s.zip").write_bytes(b"other, longer content")
    changed = _key(str(data))
    assert changed != first
    (data / "a" / "d3").mkdir()
    (data / "a" / "d3" / "new.zip").write_bytes(b"new")
    assert _key(str(data)) not in {first, changed}  # an added file is a change too


def test_same_bytes_rewritten_later_is_a_miss_not_a_stale_hit(tmp_path: Path):
    data = _tree(tmp_path / "data")
    first = _key(str(data))
    path = data / "a" / "d1" / "s.zip"
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert _key(str(data)) != first


def test_uris_and_missing_folders_are_left_to_their_sources(tmp_path: Path):
    assert local_folder("s3://bucket/data") is None
    assert local_folder("dvc+repo#raw") is None
    assert local_folder("lakefs://repo/raw") is None
    assert local_folder(str(tmp_path / "absent")) is None
    assert local_data_signatures({"seed": 2}) == {}
    assert _key("s3://bucket/data") == _key("s3://bucket/data")
