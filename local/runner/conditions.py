"""Evaluate ``triggerPolicy.condition`` with a real CEL implementation (cel-python).

KFP compiles ``dsl.If`` into CEL over ``inputs.parameter_values``; kfp.local rewrites that
text with regexes and calls ``eval``. Here the expression is parsed and evaluated by celpy,
so operators, string escapes and type errors behave as CEL defines them.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from ideko.local.runner.errors import RunnerError


@lru_cache(maxsize=64)
def _program(expression: str) -> Any:
    import celpy

    env = celpy.Environment()
    try:
        return env.program(env.compile(expression))
    except celpy.CELParseError as exc:
        raise RunnerError(f"invalid CEL condition {expression!r}: {exc}") from exc


def evaluate_condition(expression: str, parameter_values: dict[str, Any]) -> bool:
    """True when the task should run; a non-boolean result or an evaluation error is an error."""
    import celpy

    program = _program(expression)
    activation = {"inputs": celpy.json_to_cel({"parameter_values": parameter_values})}
    try:
        result = program.evaluate(activation)
    except celpy.CELEvalError as exc:
        raise RunnerError(f"condition {expression!r} failed to evaluate: {exc}") from exc
    if isinstance(result, celpy.CELEvalError):
        raise RunnerError(f"condition {expression!r} failed to evaluate: {result}")
    if not isinstance(result, celpy.celtypes.BoolType):
        raise RunnerError(f"condition {expression!r} gave {result!r}, not a boolean")
    return bool(result)
