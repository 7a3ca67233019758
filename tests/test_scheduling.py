"""The suite's xdist scheduler pins what it says it pins (a renamed module would silently
go back to being split across workers, and its shared fixture built once per worker)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
# Loaded by path: every conftest.py of the suite is a module named "conftest".
_SPEC = importlib.util.spec_from_file_location("suite_conftest", ROOT / "tests" / "conftest.py")
assert _SPEC is not None and _SPEC.loader is not None
conftest = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(conftest)


def test_every_pinned_module_exists():
    for module in conftest.ONE_WORKER_MODULES:
        assert (ROOT / module).is_file(), module


def test_pinned_module_is_one_scope_and_other_tests_are_their_own():
    config = SimpleNamespace(getvalue=lambda name: "loadgroup", option=SimpleNamespace())
    scheduler = conftest.pytest_xdist_make_scheduler(config, None)
    pinned = conftest.ONE_WORKER_MODULES[0]
    assert scheduler._split_scope(f"{pinned}::test_a") == pinned
    assert scheduler._split_scope(f"{pinned}::test_b[1]") == pinned
    other = "tests/schema/test_names.py::test_x"
    assert scheduler._split_scope(other) == other


def test_other_dist_modes_keep_xdist_schedulers():
    config = SimpleNamespace(getvalue=lambda name: "worksteal", option=SimpleNamespace())
    assert conftest.pytest_xdist_make_scheduler(config, None) is None
