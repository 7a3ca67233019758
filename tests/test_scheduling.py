"""The suite's xdist scheduler: one scope per module, modules with more slow tests first."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Loaded by path: every conftest.py of the suite is a module named "conftest".
_SPEC = importlib.util.spec_from_file_location("suite_conftest", ROOT / "tests" / "conftest.py")
assert _SPEC is not None and _SPEC.loader is not None
conftest = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(conftest)


def test_a_module_is_one_scope():
    config = SimpleNamespace(
        getvalue=lambda name: "loadgroup", option=SimpleNamespace(loadscopereorder=True)
    )
    scheduler = conftest.pytest_xdist_make_scheduler(config, None)
    module = "tests/local/runner/test_runner_ideko.py"
    assert scheduler._split_scope(f"{module}::test_a") == module
    assert scheduler._split_scope(f"{module}::test_b[1]") == module
    assert config.option.loadscopereorder is False  # the collection order is kept


def test_other_dist_modes_keep_xdist_schedulers():
    config = SimpleNamespace(getvalue=lambda name: "worksteal", option=SimpleNamespace())
    assert conftest.pytest_xdist_make_scheduler(config, None) is None


class _Item:
    def __init__(self, nodeid: str, slow: bool) -> None:
        self.nodeid, self.slow = nodeid, slow

    def get_closest_marker(self, name: str) -> object | None:
        return pytest.mark.slow if self.slow and name == "slow" else None


def test_modules_with_more_slow_tests_come_first_and_stay_whole():
    items = [
        _Item("tests/a.py::t1", False),
        _Item("tests/b.py::t1", True),
        _Item("tests/a.py::t2", False),
        _Item("tests/c.py::t1", True),
        _Item("tests/c.py::t2", True),
        _Item("tests/b.py::t2", False),
    ]
    ordered = [i.nodeid for i in conftest.costliest_modules_first(items)]  # type: ignore[arg-type]
    assert ordered == [
        "tests/c.py::t1", "tests/c.py::t2",
        "tests/b.py::t1", "tests/b.py::t2",
        "tests/a.py::t1", "tests/a.py::t2",
    ]  # fmt: skip
