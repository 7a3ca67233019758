"""`ideko-compile` / `ideko compile`: exit codes, --out, --check, diagnostics, no tracebacks."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ideko.compiler.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "specs" / "ideko.yaml"
PIPELINE = "ideko-anomaly-classification"


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A scratch checkout: specs/ideko.yaml copied, cwd set there."""
    (tmp_path / "specs").mkdir()
    shutil.copy(EXAMPLE, tmp_path / "specs" / "ideko.yaml")
    (tmp_path / "pyproject.toml").write_text("")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_compile_writes_default_generated_tree(workdir, capsys):
    assert main(["specs/ideko.yaml"]) == 0
    out = workdir / "generated" / PIPELINE
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.yaml")) == [
        "inferenceservice.yaml",
        "katib/cnn.yaml",
        "katib/fcn.yaml",
        "katib/lstm.yaml",
        "katib/neural-network.yaml",
        "katib/rbac.yaml",
        "katib/rnn.yaml",
        "pipeline.yaml",
    ]
    assert "compiled 8 file(s)" in capsys.readouterr().out
    assert main(["specs/ideko.yaml"]) == 0
    assert "(unchanged)" in capsys.readouterr().out


def test_out_writes_the_same_tree_elsewhere(workdir):
    assert main(["specs/ideko.yaml", "-q"]) == 0
    assert main(["specs/ideko.yaml", "--out", "elsewhere", "-q"]) == 0
    for path in (workdir / "generated").rglob("*.yaml"):
        twin = workdir / "elsewhere" / path.relative_to(workdir / "generated")
        assert twin.read_bytes() == path.read_bytes()


def test_check_passes_when_up_to_date_and_fails_with_diff_when_stale(workdir, capsys):
    assert main(["specs/ideko.yaml", "-q"]) == 0
    assert main(["specs/ideko.yaml", "--check"]) == 0
    assert "up to date" in capsys.readouterr().out
    pipeline = workdir / "generated" / PIPELINE / "pipeline.yaml"
    pipeline.write_text(pipeline.read_text().replace("seed", "sead", 1))
    (workdir / "generated" / PIPELINE / "katib" / "gone.yaml").write_text("x: 1\n")
    before = pipeline.read_bytes()
    assert main(["specs/ideko.yaml", "--check"]) == 1
    captured = capsys.readouterr()
    assert f"--- a/{PIPELINE}/pipeline.yaml" in captured.out
    assert "+++ /dev/null" in captured.out
    assert "is stale" in captured.err
    assert pipeline.read_bytes() == before  # --check writes nothing


def test_check_fails_when_nothing_was_generated(workdir, capsys):
    assert main(["specs/ideko.yaml", "--check", "--out", "empty"]) == 1
    assert f"+++ b/{PIPELINE}/pipeline.yaml" in capsys.readouterr().out
    assert not (workdir / "empty").exists()


def test_check_detects_spec_edits(workdir, capsys):
    assert main(["specs/ideko.yaml", "-q"]) == 0
    spec = workdir / "specs" / "ideko.yaml"
    text = spec.read_text()
    lstm_budget = "        max_trials: 2 "  # the LSTM's block-style budget
    assert text.count(lstm_budget) == 1
    spec.write_text(text.replace(lstm_budget, "        max_trials: 9 "))
    assert main(["specs/ideko.yaml", "--check"]) == 1
    out = capsys.readouterr().out
    assert "-  maxTrialCount: 2" in out and "+  maxTrialCount: 9" in out


def test_removed_hpo_removes_its_manifest(workdir):
    assert main(["specs/ideko.yaml", "-q"]) == 0
    spec = workdir / "specs" / "ideko.yaml"
    text = spec.read_text()
    spec.write_text(text[: text.index("    hpo:")] + text[text.index("execution:") :])
    assert main(["specs/ideko.yaml", "-q"]) == 0
    assert not (workdir / "generated" / PIPELINE / "katib").exists()


def test_invalid_spec_prints_every_diagnostic_and_exits_1(workdir, capsys):
    bad = workdir / "specs" / "bad.yaml"
    text = (
        EXAMPLE.read_text()
        .replace("test_size: 0.2", "test_size: 7")
        .replace("scaling: none", "scalling: none")
    )
    bad.write_text(text)
    assert main(["specs/bad.yaml"]) == 1
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("specs/bad.yaml:")]
    assert len(lines) >= 3  # two problems + the summary line
    assert any("scalling" in line or "scaling" in line for line in lines)
    assert "Traceback" not in err
    assert not (workdir / "generated").exists()


def test_missing_spec_file_is_a_usage_error(workdir, capsys):
    assert main(["specs/nope.yaml"]) == 2  # the README: 2 for a usage error
    err = capsys.readouterr().err
    assert err == "specs/nope.yaml:1:1: spec file does not exist\n"


def test_device_and_fifo_spec_paths_are_named_by_kind(workdir, capsys):
    os.mkfifo(workdir / "pipe.yaml")
    assert main(["/dev/zero", "pipe.yaml"]) == 2  # neither is opened: no hang
    err = capsys.readouterr().err
    assert err == ("/dev/zero:1:1: spec file is a character device, not a regular file\n"
                   "pipe.yaml:1:1: spec file is a FIFO (named pipe), not a regular file\n")


def test_failed_write_leaves_no_temporary_file(workdir, capsys, monkeypatch):
    def disk_full(fd: int) -> None:  # the data reaches the disk at fsync: ENOSPC there
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    assert main(["specs/ideko.yaml", "--out", "out"]) == 1
    err = capsys.readouterr().err
    assert "No space left on device" in err and "Traceback" not in err
    assert [p.name for p in (workdir / "out").rglob("*") if p.is_file()] == []


def test_unwritable_out_is_a_clear_error(workdir, capsys):
    (workdir / "blocker").write_text("a file, not a folder")
    assert main(["specs/ideko.yaml", "--out", "blocker"]) == 1
    err = capsys.readouterr().err
    assert "blocker" in err and "Traceback" not in err


@pytest.mark.parametrize("argv", [[], ["--bogus", "specs/ideko.yaml"]])
def test_usage_errors_exit_2(argv, workdir):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2


def test_console_scripts_and_unified_cli_agree(tmp_path, monkeypatch):
    """The ``ideko-compile`` console script (a real process: the entry point is the point)
    and ``ideko compile`` (the unified CLI's dispatch, in-process: the ``ideko`` script's
    own process boundary is exercised by the serving tests' ``ideko serve``) agree."""
    from ideko.cli.main import main as ideko_main

    bin_dir = Path(sys.executable).parent
    a = subprocess.run(
        [str(bin_dir / "ideko-compile"), str(EXAMPLE), "--out", str(tmp_path / "a"), "-q"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    monkeypatch.chdir(ROOT)
    b = ideko_main(["compile", str(EXAMPLE), "--out", str(tmp_path / "b"), "-q"])
    assert (a.returncode, b) == (0, 0), a.stderr
    assert sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.yaml")) == (
        sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*.yaml"))
    )
    for path in (tmp_path / "a").rglob("*.yaml"):
        assert (tmp_path / "b" / path.relative_to(tmp_path / "a")).read_bytes() == path.read_bytes()
    usage = subprocess.run([str(bin_dir / "ideko-compile")], capture_output=True, text=True)
    assert usage.returncode == 2 and "usage:" in usage.stderr


def test_output_does_not_depend_on_the_working_directory(workdir, monkeypatch):
    assert main(["specs/ideko.yaml", "-q"]) == 0
    monkeypatch.chdir(workdir / "specs")
    assert main(["ideko.yaml", "--check", "--out", str(workdir / "generated")]) == 0


def test_several_specs_worst_status_wins(workdir, capsys):
    (workdir / "specs" / "bad.yaml").write_text("apiVersion: ideko.dev/v1\n")
    assert main(["specs/bad.yaml", "specs/ideko.yaml", "-q"]) == 1
    assert (workdir / "generated" / PIPELINE / "pipeline.yaml").is_file()
    assert "specs/bad.yaml" in capsys.readouterr().err
