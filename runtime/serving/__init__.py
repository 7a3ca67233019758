"""Serving a packaged ideko model with KServe's own model server (v1 and Open Inference v2).

``package`` (the servable model directory: files, checksums) and ``preprocessing`` import no
KServe, so the compare step can write packages without it; ``model`` and ``server`` do.
"""
