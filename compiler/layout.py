"""The generated tree's file names: ``<pipeline>/pipeline.yaml``,
``<pipeline>/inferenceservice.yaml`` and ``<pipeline>/katib/…``.

Shared by the renderer (which names the files) and the writer (which finds stale ones).
"""

from __future__ import annotations

PIPELINE_FILE = "pipeline.yaml"
KATIB_DIR = "katib"
RBAC_FILE = "rbac.yaml"
SERVING_FILE = "inferenceservice.yaml"
