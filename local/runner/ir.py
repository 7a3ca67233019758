"""Load a compiled KFP v2 IR file and flatten its DAGs into addressable task nodes.

The runner executes exactly the file it is given, so this module only reads. A compiled file
holds one or two YAML documents, as kfp's own compiler writes them: the PipelineSpec, then
(optionally) the PlatformSpec. Both are validated against KFP's protobuf messages (a malformed
file is a clear error, not a KeyError later). The loader exposes the root DAG, nested
condition DAGs and container tasks as ``TaskNode`` objects keyed by a slash-separated path
(``condition-1/train-cnn``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ideko.local.runner.errors import RunnerError
from ideko.schema.ir_file import IRFileError
from ideko.schema.ir_file import ir_documents as read_ir_documents


@dataclass(frozen=True)
class TaskNode:
    """One task of a DAG: a container execution or a nested DAG (a condition group)."""

    path: str  # unique across the pipeline: parent path + "/" + task key
    name: str  # task key inside its DAG
    display_name: str  # taskInfo.name
    parent: str  # path of the enclosing DAG node; "" for the root DAG
    spec: dict[str, Any]  # the PipelineTaskSpec as a plain dict
    component_name: str
    component: dict[str, Any]  # the ComponentSpec as a plain dict
    executor: dict[str, Any] | None  # the container spec; None for DAG nodes
    deps: tuple[str, ...]  # paths of sibling tasks this one waits for
    children: tuple[str, ...] = ()  # for DAG nodes: paths of inner tasks

    @property
    def is_dag(self) -> bool:
        return self.executor is None

    @property
    def condition(self) -> str | None:
        return self.spec.get("triggerPolicy", {}).get("condition") or None


@dataclass(frozen=True)
class Pipeline:
    """A loaded IR: the source text, its parsed form and every task node."""

    text: str
    doc: dict[str, Any]
    name: str
    nodes: dict[str, TaskNode]  # every node, parents before children, deps before dependents
    root_children: tuple[str, ...]
    root_inputs: dict[str, Any] = field(default_factory=dict)  # inputDefinitions.parameters
    platform: dict[str, Any] = field(default_factory=dict)  # the PlatformSpec ({} if absent)
    source: str = "<pipeline>"  # the file (or compiled spec) it was read from, for errors

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()

    def containers(self) -> list[TaskNode]:
        return [n for n in self.nodes.values() if not n.is_dag]


def load_pipeline(path: str | Path) -> Pipeline:
    """Read and validate an IR file; every problem is a ``RunnerError`` naming the file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RunnerError(f"cannot read pipeline file {path}: {exc.strerror}") from exc
    return parse_pipeline(text, str(path))


def parse_pipeline(text: str, where: str = "<pipeline>") -> Pipeline:
    """Parse IR text: the PipelineSpec document, then an optional PlatformSpec document."""
    doc, platform = ir_documents(text, where)
    components = doc.get("components", {})
    executors = doc.get("deploymentSpec", {}).get("executors", {})
    nodes: dict[str, TaskNode] = {}
    root_children = _add_dag(doc["root"], "", components, executors, nodes, where)
    root_inputs = doc["root"].get("inputDefinitions", {}).get("parameters", {})
    return Pipeline(
        text=text,
        doc=doc,
        name=doc["pipelineInfo"]["name"],
        nodes=nodes,
        root_children=root_children,
        root_inputs=dict(root_inputs),
        platform=platform,
        source=where,
    )


def ir_documents(text: str, where: str = "<pipeline>") -> tuple[dict[str, Any], dict[str, Any]]:
    """``(PipelineSpec, PlatformSpec)`` of an IR text (:mod:`ideko.schema.ir_file`), as a
    ``RunnerError`` when the text is not a compiled pipeline."""
    try:
        return read_ir_documents(text, where)
    except IRFileError as exc:
        raise RunnerError(str(exc)) from None


def _add_dag(
    component: dict[str, Any],
    parent: str,
    components: dict[str, Any],
    executors: dict[str, Any],
    nodes: dict[str, TaskNode],
    where: str,
) -> tuple[str, ...]:
    """Add the tasks of one DAG (recursively) in dependency order; return their paths."""
    tasks: dict[str, Any] = component.get("dag", {}).get("tasks", {})
    prefix = f"{parent}/" if parent else ""
    added: list[str] = []
    for key in _topological(tasks, where):
        spec = tasks[key]
        _reject_unsupported(key, spec, where)
        comp_name = spec["componentRef"]["name"]
        if comp_name not in components:
            raise RunnerError(f"{where}: task {key!r} refers to unknown component {comp_name!r}")
        comp = components[comp_name]
        path = prefix + key
        deps = tuple(prefix + d for d in spec.get("dependentTasks", []))
        display = spec.get("taskInfo", {}).get("name", key)
        if "dag" in comp:
            placeholder = TaskNode(path, key, display, parent, spec, comp_name, comp, None, deps)
            nodes[path] = placeholder  # parent first, children after
            children = _add_dag(comp, path, components, executors, nodes, where)
            nodes[path] = TaskNode(
                path, key, display, parent, spec, comp_name, comp, None, deps, children
            )
        else:
            label = comp.get("executorLabel")
            executor = executors.get(label, {})
            if "container" not in executor:
                kind = next(iter(executor), "missing")
                raise RunnerError(
                    f"{where}: task {key!r} uses a {kind!r} executor; "
                    "only container executors can run locally"
                )
            nodes[path] = TaskNode(
                path, key, display, parent, spec, comp_name, comp, executor["container"], deps
            )
        added.append(path)
    return tuple(added)


def _reject_unsupported(key: str, spec: dict[str, Any], where: str) -> None:
    if "iteratorPolicy" in spec or "parameterIterator" in spec or "artifactIterator" in spec:
        raise RunnerError(f"{where}: task {key!r} is a ParallelFor loop; not supported locally")
    strategy = spec.get("triggerPolicy", {}).get("strategy")
    if strategy and strategy != "ALL_UPSTREAM_TASKS_SUCCEEDED":
        raise RunnerError(f"{where}: task {key!r} uses trigger strategy {strategy}; not supported")


def _topological(tasks: dict[str, Any], where: str) -> list[str]:
    """Order task keys so dependencies come first; ties keep the file's (sorted) order."""
    order: list[str] = []
    state: dict[str, int] = {}  # 1 = visiting, 2 = done

    def visit(key: str, chain: tuple[str, ...]) -> None:
        if state.get(key) == 2:
            return
        if state.get(key) == 1:
            raise RunnerError(f"{where}: dependency cycle: {' -> '.join((*chain, key))}")
        if key not in tasks:
            raise RunnerError(f"{where}: {chain[-1]!r} depends on unknown task {key!r}")
        state[key] = 1
        for dep in tasks[key].get("dependentTasks", []):
            visit(dep, (*chain, key))
        state[key] = 2
        order.append(key)

    for key in sorted(tasks):
        visit(key, ())
    return order


def critical_path_lengths(pipeline: Pipeline) -> dict[str, int]:
    """For each node, how many container tasks lie on the longest chain it starts.

    The scheduler starts ready tasks with the longest remaining chain first (e.g. a tune step
    that precedes its training), so the critical path never waits behind short branches.
    A task with no dependents in its DAG continues into whatever waits for that DAG.
    """
    dependents: dict[str, list[str]] = {path: [] for path in pipeline.nodes}
    for path, node in pipeline.nodes.items():
        for dep in node.deps:
            dependents[dep].append(path)
    length: dict[str, int] = {}

    def after(path: str) -> int:
        """Longest chain that starts once ``path`` (a task or a DAG) has finished."""
        if dependents[path]:
            return max(length[d] for d in dependents[path])
        parent = pipeline.nodes[path].parent
        return after(parent) if parent else 0

    # Dependents and enclosing DAGs' dependents come later in ``nodes``: walk backwards.
    for path in reversed(list(pipeline.nodes)):
        node = pipeline.nodes[path]
        if node.is_dag:
            length[path] = max((length[c] for c in node.children), default=after(path))
        else:
            length[path] = 1 + after(path)
    return length
