"""Names the submission tests share (a module of its own: ``conftest`` is not importable by
name when several test folders are collected together)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PIPELINE = "ideko-anomaly-classification"
IR = ROOT / "generated" / PIPELINE / "pipeline.yaml"
SPEC = ROOT / "specs" / "ideko.yaml"
NS = "team-a"
INJECTION = {"katib.kubeflow.org/metrics-collector-injection": "enabled"}
