"""ideko's own settings inside the IR's PlatformSpec (``platforms.ideko.config``).

The compiler writes the spec's ``execution.parallelism`` there (kfp's backend reads only the
``kubernetes`` platform and leaves this entry alone), so running the compiled file behaves
like running the spec. The keys come from :mod:`ideko.schema.ir_platform`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ideko.local.runner.errors import RunnerError
from ideko.schema.defaults import DEFAULT_PARALLELISM
from ideko.schema.ir_platform import PARALLELISM_KEY, PLATFORM

if TYPE_CHECKING:
    from ideko.local.runner.ir import Pipeline


def ideko_config(platform: dict[str, Any]) -> dict[str, Any]:
    """``platforms.ideko.config`` of a PlatformSpec (``{}`` when the IR has none)."""
    entry = platform.get("platforms", {}).get(PLATFORM) or {}
    config = entry.get("config") or {}
    return dict(config)


def ir_parallelism(platform: dict[str, Any], where: str = "<pipeline>") -> int | None:
    """The parallelism the IR carries, or None. protobuf's Struct holds numbers as doubles
    (kfp writes ``2.0``): a whole positive number is accepted, anything else refused."""
    value = ideko_config(platform).get(PARALLELISM_KEY)
    if value is None:
        return None
    key = f"platforms.{PLATFORM}.config.{PARALLELISM_KEY}"
    whole = isinstance(value, int | float) and not isinstance(value, bool)
    if not whole or not math.isfinite(value) or value != int(value) or value < 1:
        raise RunnerError(f"{where}: {key} must be a whole number of at least 1, got {value!r}")
    return int(value)


def run_parallelism(given: int | None, pipeline: Pipeline, cores: int) -> tuple[int, str]:
    """``(limit, where it came from)``: ``--parallelism`` as given, else the IR's
    ``execution.parallelism``, else the schema's default; the last two at most ``cores``."""
    if given is not None:
        return given, "--parallelism"
    from_ir = ir_parallelism(pipeline.platform, pipeline.source)
    wanted, where = (from_ir, "the IR") if from_ir is not None else (DEFAULT_PARALLELISM, "default")
    if wanted > cores:
        return cores, f"{where} asks {wanted}, capped to {cores} cores"
    return wanted, where
