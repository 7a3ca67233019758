"""Suite-wide pytest-xdist scheduling: modules whose tests share one costly session fixture
run on a single worker, every other test is handed out one at a time.

pytest-xdist 3.8's ``--dist loadgroup`` groups tests by rewriting ``item._nodeid``, which
pytest 9 no longer reads (a node's id lives in ``item._id``), so its ``xdist_group`` marks
have no effect here: a shared cold pipeline run was built once per worker. This scheduler
keeps loadgroup's contract with the grouping declared by module path, which the controller
(which never collects) can see.
"""

from __future__ import annotations

from typing import Any

# Each module here builds a session fixture worth tens of seconds of CPU (a cold pipeline
# run, a server) that all its tests share; splitting it across workers builds it twice.
ONE_WORKER_MODULES: tuple[str, ...] = (
    "tests/local/runner/test_runner_ideko.py",
    "tests/local/runner/test_runner_lineage.py",
    "tests/runtime/serving/test_serving_http.py",  # a trained package and a model server
    # versioned data: a DVC story with one training run, a lakeFS story of three runs
    "tests/runtime/data/sources/test_story_dvc.py",
    "tests/runtime/data/sources/test_story_lakefs.py",
)


def pytest_xdist_make_scheduler(config: Any, log: Any) -> Any:
    """Under ``--dist loadgroup``: a scope per pinned module, a scope per test elsewhere."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ModuleGroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return module if module in ONE_WORKER_MODULES else nodeid

    return ModuleGroupScheduling(config, log)
