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



def with_data(**keys: str) -> str:
    """MINIMAL with ``data.<key>: <value>`` lines (flow style), in order, from line 11 on."""
    return MINIMAL.replace(
        "  classes:", "".join(f"  {key}: {value}\n" for key, value in keys.items()) + "  classes:"
    )


def tuned(parameters: str, algorithm: str = "random", extra: str = "") -> str:
    """MINIMAL with an ``hpo`` section on its LSTM: ``extra`` (lines already indented under
    ``hpo:``, e.g. a budget) sits between the objective and ``parameters``, whose lines
    (``name: {…}``, one per line) are indented under it. The section starts on line 22."""
    lines = "".join(f"        {line}\n" for line in parameters.strip("\n").splitlines())
    return (
        f"{MINIMAL}    hpo:\n      algorithm: {algorithm}\n"
        f"      objective: {{metric: validation_accuracy}}\n{extra}      parameters:\n{lines}"
    )
