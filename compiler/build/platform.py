"""ideko's own settings inside kfp's ``PlatformSpec``, under ``platforms.ideko.config``.

kfp's backend reads only the ``kubernetes`` platform, so this entry travels with the
compiled file untouched and the local engine reads it back: ``ideko run pipeline.yaml``
then runs with the spec's ``execution.parallelism``. Names come from ``ideko.schema``.
"""

from __future__ import annotations

from ideko.compiler.load.spec_model import Spec
from ideko.schema.ir_platform import PARALLELISM_KEY, PLATFORM, RUN_BRANCHES_KEY
from kfp.pipeline_spec import pipeline_spec_pb2


def with_ideko_settings(
    platform_spec: pipeline_spec_pb2.PlatformSpec, spec: Spec
) -> pipeline_spec_pb2.PlatformSpec:
    """A copy of kfp's platform spec (kept as built) with ideko's entry added."""
    out = pipeline_spec_pb2.PlatformSpec()
    out.CopyFrom(platform_spec)
    out.platforms[PLATFORM].config.update({PARALLELISM_KEY: spec.execution.parallelism})
    if spec.data.source.run_branches():
        out.platforms[PLATFORM].config.update({RUN_BRANCHES_KEY: True})
    return out
