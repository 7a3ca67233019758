"""The compiler in four calls: ``load_spec`` → ``render`` → ``write`` (or ``check``).

A thin facade in the manner of kfp's ``compiler.py``: every call delegates to the stage that
does the work, so a caller (``ideko-compile``, ``ideko run SPEC``, the benchmarks) never has
to know the module layout. Each stage returns data; only ``write`` touches the disk.
"""

from __future__ import annotations

from pathlib import Path

from ideko.compiler.drift import diff_trees
from ideko.compiler.load import Diagnostic, SpecError, SpecNotFoundError, load_spec
from ideko.compiler.load.spec_model import Spec
from ideko.compiler.render import render, render_with_documents
from ideko.compiler.write import read_tree, write_tree

__all__ = [
    "Diagnostic",
    "Spec",
    "SpecError",
    "SpecNotFoundError",
    "check",
    "load_spec",
    "render",
    "write",
]


def write(spec: Spec, out_dir: Path) -> tuple[dict[str, str], list[str]]:
    """Render ``spec`` and write it under ``out_dir`` atomically: (files, changes made)."""
    files, documents = render_with_documents(spec)
    return files, write_tree(out_dir, files, documents)


def check(spec: Spec, out_dir: Path) -> tuple[dict[str, str], list[str]]:
    """Render ``spec`` and compare with ``out_dir``: (files, one unified diff per difference).

    Writes nothing; an empty diff list means ``out_dir`` is up to date.
    """
    files = render(spec)
    return files, diff_trees(files, read_tree(out_dir, files))
