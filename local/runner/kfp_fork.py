"""Which ``ideko run`` tasks start as forks of a warm server: KFP's python components.

Every task of a compiled ideko pipeline is KFP's lightweight-component launch,
``sh -ec SCRIPT SOURCE --executor_input … --function_to_execute …``, where SCRIPT writes
SOURCE to a temporary file and runs ``python3 -m kfp.dsl.executor_main
--component_module_path FILE "$@"``. A fresh interpreter per task pays ~3.3 s of start and
TensorFlow import. For exactly that command shape this module writes the component file
itself (next to the attempt's log, where it stays as a record of what ran) and forks the
same ``kfp.dsl.executor_main`` call from a warm server (:mod:`ideko.local.launch.fork_server`)
that did the train step's declared set-up and imports once. Any other command — another
script, a ``pip install`` line, another program — starts fresh, as before.

Servers are keyed by the variables TensorFlow's set-up reads (the runner gives tasks
different thread budgets) and started with the first such task's environment, which holds
the run's marker: a fork's ``/proc/PID/environ`` is its server's, which is what
``stop_leftover`` checks when a run is resumed. A server warms up in the background: a light
task whose launch starts it runs fresh, a training (``starts_heavy``) waits for it, and tasks
that become ready while it warms wait too (a bounded wait,
:meth:`~ideko.local.launch.launcher.Launcher.warming`) and fork.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path

from ideko.local.launch.launcher import Fork, ForkRule, Launcher
from ideko.local.launch.warm_server import WarmPlan, imported_modules, warm_plan

EXECUTOR_MODULE = "kfp.dsl.executor_main"
STEP_MODULES = tuple(
    f"ideko.runtime.steps.{name}"
    for name in ("preprocess", "tune", "train", "evaluate", "compare", "register")
)
TRACKING_CLIENT = "ideko.runtime.training.tracking:import_client"
SCRIPT_HEAD = (
    "program_path=$(mktemp -d)",
    'printf "%s" "$0" > "$program_path/ephemeral_component.py"',
)
SCRIPT_RUN = (
    "_KFP_RUNTIME=true",
    "python3",
    "-m",
    EXECUTOR_MODULE,
    "--component_module_path",
    '"$program_path/ephemeral_component.py"',
    '"$@"',
)


def kfp_component(command: list[str]) -> tuple[str, list[str]] | None:
    """``(component source, executor args)`` when ``command`` is KFP's python-component
    launch and nothing else, else None."""
    if len(command) < 4 or command[:2] != ["sh", "-ec"]:
        return None
    lines = [line.strip() for line in command[2].splitlines() if line.strip()]
    if len(lines) != 3 or tuple(lines[:2]) != SCRIPT_HEAD or tuple(lines[2].split()) != SCRIPT_RUN:
        return None
    return command[3], list(command[4:])


def runner_plan(tracking: bool = False) -> WarmPlan | None:
    """What a task server preloads: the train step's declared set-up, every step, KFP, and
    with ``tracking`` (some task logs to MLflow) the MLflow client: the server starts with
    the first ready task's environment, which need not be a tracked one."""
    train = warm_plan([sys.executable, "-m", "ideko.runtime.steps.train"], {})
    if train is None:
        return None
    client = (TRACKING_CLIENT,) if tracking else ()
    return WarmPlan(EXECUTOR_MODULE, (*train.imports, *client, *STEP_MODULES), train.env)


def preloaded_modules(plan: WarmPlan) -> set[str]:
    """The modules a server for ``plan`` imports (``module:setup`` entries name a module)."""
    return {entry.partition(":")[0] for entry in plan.imports}


def uses_preloads(source: str, plan: WarmPlan) -> bool:
    """Whether a component imports a module the server preloads beyond KFP, which every
    component imports (an ideko step: yes; a stdlib-only component: no)."""
    preloaded = preloaded_modules(plan) - {plan.module}
    own = {name for name in preloaded if name != "kfp" and not name.startswith("kfp.")}
    return not own.isdisjoint(imported_modules(source))


@functools.lru_cache(maxsize=64)
def starts_heavy(source: str, plan: WarmPlan) -> bool:
    """Whether a component imports a preloaded module that itself declares warm imports
    (the train step: TensorFlow, Keras): started fresh, it pays what the server's warm-up
    pays, so even the launch that would start the server is held for it."""
    candidates = sorted(preloaded_modules(plan) & imported_modules(source))
    return any(warm_plan([sys.executable, "-m", name], {}) is not None for name in candidates)


def kfp_fork_rule(tracking: bool = False) -> ForkRule:
    """The runner's fork rule: KFP's python-component launch, as ``kfp.dsl.executor_main``.

    The component source is written next to the attempt's log (where it stays as a record
    of what ran) just before the fork; any other command starts fresh.
    """
    plan = runner_plan(tracking)

    def rule(
        command: list[str], env: dict[str, str], _container: dict[str, str], log_path: Path | None
    ) -> Fork | None:
        parsed = kfp_component(command)
        if parsed is None or plan is None or log_path is None:
            return None
        source, args = parsed
        component = log_path.with_suffix(".component.py")

        def write_component() -> None:
            component.write_text(source, encoding="utf-8")

        return Fork(
            plan,
            ["--component_module_path", str(component), *args],
            {**env, "_KFP_RUNTIME": "true"},
            prepare=write_component,
            uses_preloads=uses_preloads(source, plan),
            warm_first=starts_heavy(source, plan),
        )

    return rule


def warm_task_launcher(log_dir: Path, tracking: bool = False) -> Launcher:
    """The launcher of one ``ideko run --launcher warm``: a server per set-up environment
    (``tracking``: some task of the run logs to MLflow, see :func:`runner_plan`)."""
    return Launcher(
        "warm",
        log_dir,
        fork_rule=kfp_fork_rule(tracking),
        per_setup=True,
        engine="ideko run",
        children="tasks",
    )
