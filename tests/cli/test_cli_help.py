"""`ideko --help` tells a user what each command does, one line each, at 80 columns."""

from __future__ import annotations

import os
import subprocess
import sys

COMMANDS = (
    "data", "compile", "run", "runs", "lineage", "tune", "submit", "step", "baseline", "serve"
)


def _help() -> str:
    return subprocess.run(
        [sys.executable, "-m", "ideko.cli.main", "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "80"},
        check=True,
    ).stdout


def test_one_line_per_command_saying_what_it_does():
    text = _help()
    lines = text.splitlines()
    listed = {}
    for line in lines:
        words = line.split()
        if line.startswith("    ") and words and words[0] in COMMANDS and len(words) > 1:
            listed[words[0]] = " ".join(words[1:])
    assert set(listed) == set(COMMANDS), text
    # every summary fits on its line: no continuation line between two commands
    start = next(i for i, line in enumerate(lines) if line.split()[:1] == ["data"])
    block = lines[start : start + len(COMMANDS)]
    assert [line.split()[0] for line in block] == list(COMMANDS), text
    assert all(len(line) <= 80 for line in lines), text


def test_no_dispatcher_internals_in_the_help():
    text = _help().lower()
    for word in ("dispatch", "register(", "subparsers", "owning module", "func"):
        assert word not in text, word
    assert "ideko compile specs/ideko.yaml" in text  # a session a user can copy
