"""Start a run's warm task server only while a later task can still use it.

A server imports TensorFlow and every step once (several seconds of CPU) so that *later*
tasks fork instead of starting fresh; the task whose launch starts it runs fresh beside it.
When that task is the run's last one to start — a re-run where every other task was a
cache hit and only an uncached ``register`` runs, a resumed run with one task left — the
server would be paid for and never forked. :func:`only_while_tasks_remain` wraps the
runner's fork rule so such a launch starts fresh and no server; once a server was asked
for a set-up, its tasks keep using it (forking from a ready server is the cheap start).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ideko.local.launch.launcher import Fork, ForkRule
from ideko.local.launch.warm_server import setup_key


def only_while_tasks_remain(rule: ForkRule, tasks_remain: Callable[[], bool]) -> ForkRule:
    """``rule``, except that it starts no new server when ``tasks_remain()`` says no other
    task is still to start (each set-up environment has its own server)."""
    asked: set[object] = set()

    def gated(
        command: list[str], env: dict[str, str], container: dict[str, str], log_path: Path | None
    ) -> Fork | None:
        fork = rule(command, env, container, log_path)
        if fork is None:
            return None
        key = (fork.plan, setup_key(fork.plan, env))
        if key not in asked and not tasks_remain():
            return None
        asked.add(key)
        return fork

    return gated
