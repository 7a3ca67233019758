"""Resolve a task's inputs from pipeline parameters, its DAG scope and upstream outputs.

KFP IR wires inputs four ways: ``componentInputParameter``/``componentInputArtifact`` (from the
enclosing DAG), ``taskOutputParameter``/``taskOutputArtifact`` (from a sibling task) and
``runtimeValue.constant``. Values are cast to the declared parameter type because protobuf
carries every number as a double.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ideko.local.runner.artifacts import ArtifactRef, Outputs
from ideko.local.runner.errors import RunnerError
from ideko.local.runner.ir import TaskNode


@dataclass
class ResolvedInputs:
    parameters: dict[str, Any] = field(default_factory=dict)
    artifacts: dict[str, ArtifactRef] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)  # required inputs whose producer was skipped


def cast_parameter(value: Any, parameter_type: str | None, name: str = "") -> Any:
    """Cast a value to a KFP ParameterType (ints arrive as floats from protobuf)."""
    if value is None or parameter_type is None:
        return value
    try:
        if parameter_type == "NUMBER_INTEGER":
            if isinstance(value, str):
                return int(value)
            if isinstance(value, float) and not value.is_integer():
                raise ValueError(f"{value} is not an integer")
            return int(value)
        if parameter_type == "NUMBER_DOUBLE":
            return float(value)
        if parameter_type == "BOOLEAN":
            if isinstance(value, str):
                lowered = value.strip().lower()
                if lowered not in ("true", "false"):
                    raise ValueError(f"{value!r} is not true/false")
                return lowered == "true"
            return bool(value)
        if parameter_type in ("STRUCT", "LIST") and isinstance(value, str):
            return json.loads(value)
        if parameter_type == "STRING" and not isinstance(value, str):
            return value if isinstance(value, str) else json.dumps(value)
    except (TypeError, ValueError) as exc:
        message = f"parameter {name!r}: cannot use {value!r} as {parameter_type}: {exc}"
        raise RunnerError(message) from exc
    return value


def resolve_inputs(
    node: TaskNode,
    scope: Outputs,
    siblings: dict[str, Outputs | None],
) -> ResolvedInputs:
    """Resolve ``node``'s inputs; ``siblings`` maps sibling paths to outputs (None = skipped)."""
    spec_inputs = node.spec.get("inputs", {})
    definitions = node.component.get("inputDefinitions", {})
    param_defs = definitions.get("parameters", {})
    artifact_defs = definitions.get("artifacts", {})
    sources = _Sources(scope, siblings, f"{node.parent}/" if node.parent else "", node.path)
    result = ResolvedInputs()

    for name, source in spec_inputs.get("parameters", {}).items():
        found, value = sources.parameter(source)
        pdef = param_defs.get(name, {})
        if found:
            result.parameters[name] = cast_parameter(value, pdef.get("parameterType"), name)
        elif not pdef.get("isOptional"):
            result.missing.append(name)
    for name, source in spec_inputs.get("artifacts", {}).items():
        artifact = sources.artifact(source)
        if artifact is not None:
            result.artifacts[name] = artifact
        elif not artifact_defs.get(name, {}).get("isOptional"):
            result.missing.append(name)
    return result


@dataclass(frozen=True)
class _Sources:
    """Where one task's inputs come from: its DAG's scope and its siblings' outputs."""

    scope: Outputs
    siblings: dict[str, Outputs | None]  # sibling path -> outputs (None: skipped)
    prefix: str  # the enclosing DAG's path + "/" ("" at the root)
    where: str  # the task's path, for errors

    def parameter(self, source: dict[str, Any]) -> tuple[bool, Any]:
        """``(found, value)`` of one input parameter source."""
        if "runtimeValue" in source:
            return True, source["runtimeValue"].get("constant")
        if "componentInputParameter" in source:
            key = source["componentInputParameter"]
            if key in self.scope.parameters:
                return True, self.scope.parameters[key]
            return False, None
        if "taskOutputParameter" in source:
            ref = source["taskOutputParameter"]
            outputs = self.siblings.get(self.prefix + ref["producerTask"])
            if outputs is None or ref["outputParameterKey"] not in outputs.parameters:
                return False, None
            return True, outputs.parameters[ref["outputParameterKey"]]
        raise RunnerError(f"task {self.where!r}: unsupported input source {sorted(source)}")

    def artifact(self, source: dict[str, Any]) -> ArtifactRef | None:
        """One input artifact, or None when its producer was skipped or gave none."""
        if "componentInputArtifact" in source:
            return self.scope.artifacts.get(source["componentInputArtifact"])
        if "taskOutputArtifact" in source:
            ref = source["taskOutputArtifact"]
            outputs = self.siblings.get(self.prefix + ref["producerTask"])
            return None if outputs is None else outputs.artifacts.get(ref["outputArtifactKey"])
        raise RunnerError(f"task {self.where!r}: unsupported artifact source {sorted(source)}")


def dag_outputs(node: TaskNode, children: dict[str, Outputs | None]) -> Outputs:
    """Collect a DAG node's declared outputs from its inner tasks (skipped ones give nothing)."""
    declared = node.component.get("dag", {}).get("outputs", {})
    result = Outputs()
    for key, spec in declared.get("parameters", {}).items():
        sources = (
            [spec["valueFromParameter"]]
            if "valueFromParameter" in spec
            else (spec.get("valueFromOneof", {}).get("parameterSelectors", []))
        )
        for src in sources:
            produced = children.get(f"{node.path}/{src['producerSubtask']}")
            if produced is not None and src["outputParameterKey"] in produced.parameters:
                result.parameters[key] = produced.parameters[src["outputParameterKey"]]
                break
    for key, spec in declared.get("artifacts", {}).items():
        for src in spec.get("artifactSelectors", []):
            produced = children.get(f"{node.path}/{src['producerSubtask']}")
            if produced is not None and src["outputArtifactKey"] in produced.artifacts:
                result.artifacts[key] = produced.artifacts[src["outputArtifactKey"]]
                break
    return result


def parameter_producers(node: TaskNode, nodes: dict[str, TaskNode]) -> dict[str, str]:
    """Which upstream ``task path.output key`` each of ``node``'s input parameters comes
    from (through enclosing DAGs' inputs and DAG outputs); pipeline inputs and constants
    have no producer. Lineage follows these links where no artifact connects two tasks
    (the tune step's best parameters reach its train step as a parameter)."""
    found: dict[str, str] = {}
    for name, source in node.spec.get("inputs", {}).get("parameters", {}).items():
        producer = _producer_of(source, node, nodes, depth=0)
        if producer is not None:
            found[name] = producer
    return found


def _producer_of(
    source: dict[str, Any], node: TaskNode, nodes: dict[str, TaskNode], depth: int
) -> str | None:
    if depth > len(nodes):  # a malformed IR cannot loop us forever
        return None
    prefix = f"{node.parent}/" if node.parent else ""
    if "taskOutputParameter" in source:
        ref = source["taskOutputParameter"]
        producer = nodes.get(prefix + ref["producerTask"])
        if producer is None:
            return None
        if not producer.is_dag:
            return f"{producer.path}.{ref['outputParameterKey']}"
        spec = producer.component.get("dag", {}).get("outputs", {}).get("parameters", {})
        inner = spec.get(ref["outputParameterKey"], {}).get("valueFromParameter")
        if inner is None:
            return None
        inner_source = {
            "taskOutputParameter": {
                "producerTask": inner["producerSubtask"],
                "outputParameterKey": inner["outputParameterKey"],
            }
        }
        child = next((nodes[c] for c in producer.children), None)
        return None if child is None else _producer_of(inner_source, child, nodes, depth + 1)
    if "componentInputParameter" in source and node.parent:
        dag = nodes.get(node.parent)
        if dag is None:
            return None
        outer = dag.spec.get("inputs", {}).get("parameters", {}).get(
            source["componentInputParameter"]
        )
        return None if outer is None else _producer_of(outer, dag, nodes, depth + 1)
    return None
