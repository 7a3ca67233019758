"""Write a kfp task's container fields (resources, environment) directly.

kfp's ``set_cpu_request``/``set_env_variable``/… each call ``inspect.stack()`` (the source
context of every frame on the stack) only to name themselves in an error for tasks without
a container; that was most of a compile, and more the deeper the caller's stack (a test
runner, ``ideko run spec.yaml``). The same fields are written here, with kfp's own value
validators at the call sites and the same refusal for a container-less task.
"""

from kfp import dsl
from kfp.dsl import structures


def container_spec(task: dsl.PipelineTask) -> structures.ContainerSpecImplementation:
    """The task's container, as kfp's resource and env setters would write it."""
    if task.container_spec is None:
        raise ValueError(f"task {task.name!r} has no container: resources and env need one")
    return task.container_spec


def resource_spec(container: structures.ContainerSpecImplementation) -> structures.ResourceSpec:
    """The container's resource block, created empty on first use (as kfp's setters do)."""
    if container.resources is None:
        container.resources = structures.ResourceSpec()
    return container.resources


def set_env(task: dsl.PipelineTask, name: str, value: str) -> None:
    """One environment variable on the task's container (what ``set_env_variable`` writes)."""
    container = container_spec(task)
    if container.env is None:
        container.env = {}
    container.env[name] = value
