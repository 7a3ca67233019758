"""Suite-wide pytest-xdist scheduling: every test module runs whole on one worker, the
costliest modules first.

A module is the unit because module- and session-scoped fixtures (a trained model, a
pipeline run, a model server, an MLflow store) are built once per worker that runs any of
the module's tests: handing a module's tests out one at a time built such fixtures once per
worker, and a module fixture again each time another module's test ran in between.

pytest-xdist 3.8's own ``--dist loadgroup`` groups by rewriting ``item._nodeid``, which
pytest 9 no longer reads (a node's id lives in ``item._id``), so its ``xdist_group`` marks
have no effect here; this scheduler groups by the module path, which the controller (it
never collects) can see. Cost is estimated from the ``slow`` marks (tests that train
models or run pipelines): workers reorder their collection so modules with more slow tests
come first, and the scheduler hands modules out in that order, the longest-first rule that
keeps the last minutes of a run from waiting on one worker.
"""

from __future__ import annotations

from typing import Any

import pytest

# Suite-wide fixtures live in their own modules (tests/ is on sys.path via this conftest).
pytest_plugins = ("registry_fixtures",)

SLOW_MARK = "slow"  # pyproject.toml [tool.pytest.ini_options] markers


def module_of(nodeid: str) -> str:
    """The test file of a node id: ``tests/a/test_b.py::test_c[1]`` -> ``tests/a/test_b.py``."""
    return nodeid.split("::", 1)[0]


def costliest_modules_first(items: list[pytest.Item]) -> list[pytest.Item]:
    """Items grouped by module, modules with more ``slow`` tests first (stable otherwise)."""
    modules: dict[str, list[pytest.Item]] = {}
    for item in items:
        modules.setdefault(module_of(item.nodeid), []).append(item)

    def slow_tests(module: str) -> int:
        return sum(1 for item in modules[module] if item.get_closest_marker(SLOW_MARK))

    order = sorted(modules, key=lambda m: -slow_tests(m))  # sorted() is stable
    return [item for module in order for item in modules[module]]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On an xdist worker of ``--dist loadgroup``: costliest modules first. (xdist sets a
    worker's ``dist`` to "no" and its ``loadgroup`` option to True.)"""
    if getattr(config.option, "loadgroup", False):
        items[:] = costliest_modules_first(items)


def pytest_xdist_make_scheduler(config: Any, log: Any) -> Any:
    """Under ``--dist loadgroup``: one scope per module, handed out in collection order."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ModuleScheduling(LoadScopeScheduling):
        def __init__(self, config: Any, log: Any = None) -> None:
            super().__init__(config, log)
            # xdist would sort scopes by test count; the workers' order is the cost order
            config.option.loadscopereorder = False

        def _split_scope(self, nodeid: str) -> str:
            return module_of(nodeid)

    return ModuleScheduling(config, log)
