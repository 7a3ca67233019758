"""Where ideko keeps its own settings inside a compiled KFP IR file.

KFP's PlatformSpec maps a platform name to a ``SinglePlatformSpec`` whose ``config`` is a
free ``google.protobuf.Struct``. KFP's backend reads only the ``kubernetes`` platform, so an
``ideko`` entry round-trips through kfp and the cluster untouched, while the local engine
reads it: ``ideko run pipeline.yaml`` then behaves like ``ideko run spec.yaml``.
"""

from __future__ import annotations

PLATFORM = "ideko"  # key under PlatformSpec.platforms
PARALLELISM_KEY = "parallelism"  # config.parallelism: the spec's execution.parallelism
# config.data_run_branches: true when the spec's versioned source gives every run its branch
RUN_BRANCHES_KEY = "data_run_branches"
