"""The pipeline's step kinds, in pipeline order: ``execution.steps`` keys and the step modules."""

from __future__ import annotations

from typing import Literal, get_args

StepKind = Literal["preprocess", "tune", "train", "evaluate", "compare", "register"]
STEP_KINDS: tuple[StepKind, ...] = get_args(StepKind)
