"""The component bodies call each runtime step's ``component`` with exactly its keywords.

kfp only runs a body inside the runtime image, so a renamed runtime argument would surface
on a cluster; this test catches it at build time by reading the bodies' calls (ast) and the
runtime signatures (inspect). Test code may import the runtime; the compiler may not.
"""

from __future__ import annotations

import ast
import inspect
import textwrap

import pytest
from ideko.compiler.build import components

STEPS = ["preprocess", "tune", "train", "evaluate", "compare", "register"]


def _body_call(func_source: str) -> tuple[str, set[str]]:
    """(runtime module imported, keywords passed to step.component) in a component body."""
    tree = ast.parse(textwrap.dedent(func_source))
    module = next(
        f"{node.module}.{node.names[0].name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "ideko.runtime.steps"
    )
    call = next(
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "component"
    )
    return module, {kw.arg for kw in call.keywords}


def _source(step: str) -> str:
    if step == "compare":
        return components.compare_source([("lstm", "lstm")])
    return inspect.getsource(getattr(components, step))


@pytest.mark.parametrize("step", STEPS)
def test_body_matches_runtime_signature(step):
    module_name, passed = _body_call(_source(step))
    assert module_name == f"ideko.runtime.steps.{step}"
    module = pytest.importorskip(module_name)
    signature = inspect.signature(module.component)
    required = {
        name
        for name, p in signature.parameters.items()
        if p.default is inspect.Parameter.empty and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
    }
    accepted = set(signature.parameters)
    assert passed <= accepted, f"unknown keywords {passed - accepted}"
    assert required <= passed, f"missing keywords {required - passed}"


def test_body_outputs_are_the_runtime_result_keys():
    """Each body's declared outputs (NamedTuple fields) are the keys it reads from the dict."""
    for step in STEPS:
        func = ast.parse(textwrap.dedent(_source(step))).body[0]
        assert isinstance(func, ast.FunctionDef)
        declared = [elt.elts[0].value for elt in func.returns.args[1].elts]
        read = [
            node.slice.value
            for node in ast.walk(func)
            if isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Name)
            and node.value.id == "result"
        ]
        assert declared == read, step
