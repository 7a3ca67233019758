"""Best assignments -> the ``overrides`` JSON the train step applies to ``model_config``.

The link between a Katib parameter and the model config is in the manifest itself: the trial
command passes ``--set PATH=${trialParameters.NAME}`` and ``NAME`` references the parameter.
Values are typed like the value already at ``PATH`` in the model config (ints stay ints), or
by the Katib parameter type when the path is new (``ideko.schema.assignments.cast_like``).
A value with neither guide is read as Katib substitutes it: int, finite float, else text;
``nan``/``inf`` there are refused (no hyperparameter means them, and a JSON config could not
carry them).
"""

from __future__ import annotations

from typing import Any

from ideko.runtime.katib.errors import TuneError
from ideko.runtime.katib.experiment import ExperimentPlan
from ideko.runtime.katib.validate import PLACEHOLDER
from ideko.schema.assignments import cast_like


def set_targets(plan: ExperimentPlan) -> dict[str, str]:
    """Katib parameter name -> dotted model-config path, from ``--set`` in the trial command."""
    containers = plan.template.trial_spec["spec"]["template"]["spec"]["containers"]
    container = next(c for c in containers if c.get("name") == plan.template.primary_container)
    argv = [str(a) for a in (container.get("command") or []) + (container.get("args") or [])]
    pairs: list[str] = []
    for i, arg in enumerate(argv):
        if arg == "--set" and i + 1 < len(argv):
            pairs.append(argv[i + 1])
        elif arg.startswith("--set="):
            pairs.append(arg[len("--set=") :])
    targets: dict[str, str] = {}
    for pair in pairs:
        path, _, value = pair.partition("=")
        match = PLACEHOLDER.fullmatch(value.strip())
        if match is None:
            continue
        reference = plan.template.trial_parameters.get(match.group(1))
        if reference is not None:
            targets[reference] = path.strip()
    return targets


def lookup(config: dict[str, Any], path: str) -> Any:
    """The value at a dotted path (list indices allowed), or None when absent."""
    node: Any = config
    for part in path.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def cast_assignment(value: str, current: Any, katib_type: str, name: str) -> Any:
    """A Katib assignment cast like the config value it replaces (``cast_like``, the one rule
    the train step's ``--set`` uses too); a non-number where a number is due is a TuneError."""
    try:
        return cast_like(value, current, katib_type)
    except ValueError as exc:
        raise TuneError(f"parameter {name}: best value {value!r}: {exc}") from None


def best_overrides(
    plan: ExperimentPlan, assignments: dict[str, str], model_config: dict[str, Any]
) -> dict[str, Any]:
    """``{dotted path: typed value}`` for every parameter of the best trial."""
    targets = set_targets(plan)
    missing = [p.name for p in plan.parameters if p.name not in targets]
    if missing:
        raise TuneError(
            f"parameters {', '.join(missing)} are not passed as --set PATH=${{trialParameters.X}} "
            "in the trial command, so the train step cannot receive them"
        )
    types = {p.name: p.type for p in plan.parameters}
    return {
        targets[name]: cast_assignment(
            value, lookup(model_config, targets[name]), types[name], name
        )
        for name, value in assignments.items()
        if name in targets
    }
