"""Opt-in pytest plugin: CPU seconds per test (user+sys of this process and its reaped
children), so the suite's cost can be measured on a loaded machine where wall time lies.

Use: ``pytest -p tests.cpu_time_plugin tests/some_file.py`` (``IDEKO_CPU_TOP=N`` sets how
many tests are listed, default 15). Setup and teardown count toward the test that runs
them, so a session fixture's cost lands on the first test that needs it. Children are only
counted once reaped (``RUSAGE_CHILDREN``), which is what subprocess.run and
multiprocessing pools do before returning.
"""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Generator
from typing import Any

import pytest

_COSTS: dict[str, float] = {}
_START: list[float] = []


def _cpu_seconds() -> float:
    """User+sys CPU of this process plus every child it has waited for."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def pytest_sessionstart(session: pytest.Session) -> None:
    _START.append(_cpu_seconds())
    _START.append(time.monotonic())


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: Any) -> Generator[None, None, None]:
    before = _cpu_seconds()
    yield
    _COSTS[item.nodeid] = _COSTS.get(item.nodeid, 0.0) + _cpu_seconds() - before


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _START:
        return
    top = int(os.environ.get("IDEKO_CPU_TOP", "15"))
    total = _cpu_seconds() - _START[0]
    in_tests = sum(_COSTS.values())
    write = terminalreporter.write_line
    terminalreporter.section("CPU seconds (user+sys, self+reaped children)")
    for nodeid, cost in sorted(_COSTS.items(), key=lambda kv: -kv[1])[:top]:
        write(f"{cost:8.2f}  {nodeid}")
    write(f"{in_tests:8.2f}  in {len(_COSTS)} tests")
    write(f"{total:8.2f}  whole session after start (collection included)")
    write(f"{time.monotonic() - _START[1]:8.2f}  wall seconds (meaningless under load)")
