"""Build a task's executorInput and command line, and read its executor output.

This is what KFP's launcher does around a container: kfp.local's public helpers build the
ExecutorInput message, resolve the IR's placeholders (``{{$}}``, ``{{$.inputs...}}``,
IfPresent/Concat) and read the ExecutorOutput, so the runner stays byte-compatible with
what components see on a cluster.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from google.protobuf import json_format
from ideko.local.runner.artifacts import ArtifactRef, Outputs, tree_digest
from ideko.local.runner.errors import RunnerError
from ideko.local.runner.inputs import ResolvedInputs
from ideko.local.runner.ir import TaskNode
from kfp.dsl import executor as kfp_executor
from kfp.local import executor_input_utils, executor_output_utils, placeholder_utils
from kfp.pipeline_spec import pipeline_spec_pb2


@dataclass(frozen=True)
class PreparedTask:
    """Everything needed to launch one attempt and to read back what it produced."""

    command: list[str]
    executor_input: pipeline_spec_pb2.ExecutorInput
    component_spec: pipeline_spec_pb2.ComponentSpec
    output_dir: Path


def prepare_task(
    node: TaskNode,
    inputs: ResolvedInputs,
    output_dir: Path,
    *,
    pipeline_name: str,
    run_id: str,
    pipeline_root: str,
) -> PreparedTask:
    """Create a fresh ``output_dir`` and the resolved command for one attempt of ``node``."""
    if node.executor is None:
        raise RunnerError(f"task {node.path!r} is a DAG, not an executable task")
    if output_dir.exists():
        shutil.rmtree(output_dir)  # a retry never sees a failed attempt's partial outputs
    output_dir.mkdir(parents=True)
    component_spec = json_format.ParseDict(node.component, pipeline_spec_pb2.ComponentSpec())
    arguments: dict[str, Any] = dict(inputs.parameters)
    for name, ref in inputs.artifacts.items():
        arguments[name] = kfp_executor.create_artifact_instance(ref.to_runtime_artifact())
    executor_input = executor_input_utils.construct_executor_input(
        component_spec=component_spec,
        arguments=arguments,
        task_root=str(output_dir),
        block_input_artifact=False,
    )
    executor_input_dict = executor_input_utils.executor_input_to_dict(
        executor_input=executor_input, component_spec=component_spec
    )
    container = node.executor
    full_command = [*container.get("command", []), *container.get("args", [])]
    command = placeholder_utils.replace_placeholders(
        full_command=full_command,
        executor_input_dict=executor_input_dict,
        pipeline_resource_name=f"{pipeline_name}-{run_id}",
        task_resource_name=node.name,
        pipeline_root=pipeline_root,
        unique_pipeline_id=run_id,
    )
    return PreparedTask(command, executor_input, component_spec, output_dir)


def read_outputs(prepared: PreparedTask) -> Outputs:
    """Read output parameters and artifacts (with metadata and digests) after a success."""
    try:
        produced = executor_output_utils.get_outputs_for_task(
            executor_input=prepared.executor_input, component_spec=prepared.component_spec
        )
    except ValueError as exc:
        raise RunnerError(f"cannot read the task's outputs: {exc}") from exc
    outputs = Outputs()
    artifact_names = set(prepared.component_spec.output_definitions.artifacts)
    for name, value in produced.items():
        if name not in artifact_names:
            outputs.parameters[name] = value
    # Artifacts are declared in the executor input even when the executor output omits them.
    for name, artifact_list in prepared.executor_input.outputs.artifacts.items():
        declared = artifact_list.artifacts[0]
        written = produced.get(name)
        metadata = dict(getattr(written, "metadata", {}) or {})
        uri = getattr(written, "uri", None) or declared.uri
        outputs.artifacts[name] = ArtifactRef(
            name=name,
            uri=uri,
            schema_title=declared.type.schema_title,
            schema_version=declared.type.schema_version,
            metadata=metadata,
            digest=tree_digest(uri),
        )
    return outputs
