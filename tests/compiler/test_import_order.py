"""Every compiler module imports first, on its own (no import cycle between load/ and build/)."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import importlib, pkgutil, sys
import ideko.compiler
names = sorted(i.name for i in pkgutil.walk_packages(ideko.compiler.__path__, "ideko.compiler."))
failed = []
for name in names:
    for loaded in [m for m in sys.modules if m.startswith("ideko.compiler.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except ImportError as exc:
        failed.append(f"{name}: {exc}")
print("\\n".join(failed))
sys.exit(1 if failed else 0)
"""


def test_every_module_imports_first() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
