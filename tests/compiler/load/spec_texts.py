"""Spec texts shared by the loader tests."""

MINIMAL = """\
apiVersion: ideko.dev/v1
metadata:
  name: tiny
runtime:
  image: ghcr.io/ideko/ideko-runtime:0.1.0
data:
  source:
    local:
      path: data/synthetic
  indicators: [f3, f4]
  classes:
    ok: not anomalous
    bad: mechanical anomaly
models:
  LSTM:
    model_parameters:
      hidden_units: [8, 4]
    training_parameters:
      epochs: 2
      batch_size: 4
"""

