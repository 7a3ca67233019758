"""The compiler imports and compiles with TensorFlow, Keras, KServe and ideko.runtime
unimportable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

BLOCKER = """
import sys

class Blocker:
    BLOCKED = ("tensorflow", "keras", "kserve", "ideko.runtime")

    def find_spec(self, name, path=None, target=None):
        if any(name == b or name.startswith(b + ".") for b in self.BLOCKED):
            raise ImportError(f"blocked import of {name}")
        return None

sys.meta_path.insert(0, Blocker())
"""


def _run(body: str, tmp_path: Path) -> subprocess.CompletedProcess:
    code = BLOCKER + body
    return subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], cwd=ROOT, capture_output=True, text=True
    )


def test_blocker_really_blocks(tmp_path):
    result = _run("import ideko.runtime.steps\n", tmp_path)
    assert result.returncode != 0 and "blocked import of ideko.runtime" in result.stderr


def test_compiles_the_example_spec_without_tensorflow(tmp_path):
    body = (
        "from ideko.compiler.cli import main\n"
        "status = main(['specs/ideko.yaml', '--out', sys.argv[1], '--quiet'])\n"
        "heavy = ('tensorflow', 'keras', 'kserve')\n"
        "assert not [m for m in sys.modules if m.split('.')[0] in heavy]\n"
        "assert not [m for m in sys.modules if m.startswith('ideko.runtime')]\n"
        "sys.exit(status)\n"
    )
    result = _run(body, tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "ideko-anomaly-classification" / "pipeline.yaml").is_file()
    assert (tmp_path / "ideko-anomaly-classification" / "inferenceservice.yaml").is_file()
