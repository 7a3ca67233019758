"""The collector building blocks without trials: JSON lines, file following, path mapping."""

import threading
import time
from pathlib import Path

from ideko.local.katib.file_follower import FileFollower
from ideko.local.katib.metrics import JsonLineParser
from ideko.local.katib.tfevents import matches
from ideko.local.katib.trial_paths import rewrite_paths, trial_paths
from ideko.runtime.katib.collector import CollectorSpec


def test_json_lines_strings_numbers_and_garbage():
    parser = JsonLineParser(["accuracy", "loss"])
    got = parser.parse('{"accuracy": "0.91", "loss": 0.2, "timestamp": "2021-12-02T14:27:50Z"}')
    assert [(m.name, m.value, m.timestamp) for m in got] == [
        ("accuracy", 0.91, "2021-12-02T14:27:50Z"),
        ("loss", 0.2, "2021-12-02T14:27:50Z"),
    ]
    (unix,) = parser.parse('{"accuracy": " 1e-1 ", "timestamp": 1638422847.5}')
    assert unix.value == 0.1 and unix.timestamp == "2021-12-02T05:27:27.500000Z"
    assert parser.parse('{"accuracy": "0.5", "timestamp": "yesterday"}')[0].timestamp is None
    for useless in ('{"accuracy": true}', '{"accuracy": "nan"}', '{"accuracy": "high"}', "{}"):
        assert parser.parse(useless) == []
    assert parser.parse("   ") == [] and parser.skipped == 0
    for garbage in ("not json", "[1, 2]", '"accuracy"', '{"accuracy": '):
        assert parser.parse(garbage) == []
    assert parser.skipped == 4


def test_follower_hands_over_complete_lines_then_the_rest(tmp_path):
    path = tmp_path / "m.log"
    lines: list[str] = []
    follower = FileFollower(path, lines.append, interval=0.02).start()
    time.sleep(0.1)
    assert not follower.seen
    with open(path, "w", encoding="utf-8") as out:
        out.write("a=1\nb=")
        out.flush()
        _wait_for(lambda: lines == ["a=1"])
        out.write("2\nc=3")  # the last line never gets its newline
    follower.finish()
    assert follower.seen
    assert lines == ["a=1", "b=2", "c=3"]


def test_follower_rereads_a_truncated_file_and_follows_a_replaced_one(tmp_path):
    path = tmp_path / "m.log"
    path.write_text("first=1\n", encoding="utf-8")
    lines: list[str] = []
    follower = FileFollower(path, lines.append, interval=0.02).start()
    _wait_for(lambda: lines == ["first=1"])
    path.write_text("x=2\n", encoding="utf-8")  # truncated in place, shorter than before
    _wait_for(lambda: lines[-1:] == ["x=2"])
    other = tmp_path / "new.log"
    other.write_text("rotated=3\n", encoding="utf-8")
    other.replace(path)
    follower.finish()
    assert lines == ["first=1", "x=2", "rotated=3"]


def test_follower_of_a_file_never_written(tmp_path):
    lines: list[str] = []
    follower = FileFollower(tmp_path / "none.log", lines.append, interval=0.02).start()
    follower.finish()
    assert not follower.seen and lines == []


def test_paths_are_per_trial_and_rewritten_as_whole_components(tmp_path):
    spec = CollectorSpec("File", "/var/log/katib/metrics.log", "TEXT")
    paths = trial_paths(spec, tmp_path, 7)
    assert paths.directory == tmp_path / "7.metrics"
    assert paths.source == tmp_path / "7.metrics" / "metrics.log"
    assert trial_paths(spec, tmp_path, 8).source != paths.source
    argv = [
        "--log=/var/log/katib/metrics.log",
        "/var/log/katib",
        "/var/log/katibx/metrics.log",
        "/srv/var/log/katib/metrics.log",
    ]
    new_argv, env = rewrite_paths(argv, {"DIR": "/var/log/katib/"}, spec, paths.directory)
    local = str(paths.directory)
    assert new_argv == [
        f"--log={local}/metrics.log",
        local,
        "/var/log/katibx/metrics.log",
        "/srv/var/log/katib/metrics.log",
    ]
    assert env == {"DIR": f"{local}/"}
    assert trial_paths(CollectorSpec(), tmp_path, 1) is None


def test_paths_are_absolute_for_a_relative_out_dir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    spec = CollectorSpec("TensorFlowEvent", "/var/log/katib/tfevent/")
    paths = trial_paths(spec, Path("out/trials"), 2)
    assert paths.source == tmp_path / "out" / "trials" / "2.metrics"
    argv, _ = rewrite_paths(["--logs", "/var/log/katib/tfevent/train"], {}, spec, paths.directory)
    assert argv == ["--logs", f"{tmp_path}/out/trials/2.metrics/train"]


def test_tfevent_tag_matching_is_katibs():
    assert matches("accuracy", "accuracy", "/x/train")
    assert matches("accuracy", "accuracy_top5", "/x")  # a prefix, as in Katib
    assert matches("train/accuracy", "accuracy", "/out/7.metrics/train")
    assert not matches("train/accuracy", "accuracy", "/out/7.metrics/test")
    assert not matches("train/accuracy", "loss", "/out/7.metrics/train")


def _wait_for(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        threading.Event().wait(0.01)
