"""`ideko data synth` on a full disk: one clear line, exit 1, nothing left behind."""

from __future__ import annotations

import errno
import os

from ideko.cli.main import main
from ideko.runtime.data import synth


def test_disk_full_is_one_message_and_leaves_nothing(tmp_path, monkeypatch, capsys):
    written = []
    real = synth.write_zip

    def fill_up(path, member, text):
        if len(written) == 3:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        written.append(path)
        real(path, member, text)

    monkeypatch.setattr(synth, "write_zip", fill_up)
    out = tmp_path / "data"
    assert main(["data", "synth", str(out), "--series", "12"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "No space left on device; free some space on that disk" in err
    assert f"({out} was left as it was)" in err
    assert list(tmp_path.iterdir()) == []  # no staging folder, no partial OUT
