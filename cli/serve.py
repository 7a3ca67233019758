"""``ideko serve``: serve a registered model (or a packaged model directory) with KServe.

The same command line as the InferenceService predictor (``python -m ideko.runtime.serving``,
:mod:`ideko.runtime.serving.cli`); KServe and TensorFlow are imported only when it runs.
"""

from __future__ import annotations

import argparse
from typing import Any

EPILOG = """\
examples:
  ideko serve ideko-anomaly-classification            its champion, from ./registry
  ideko serve ideko-anomaly-classification@challenger --port 8081
  ideko serve --model-dir .ideko/runs/RUN/artifacts/condition-1/compare-models/best_model

then:
  curl localhost:8080/v2/health/ready
  curl localhost:8080/v2/models/NAME
  curl -X POST localhost:8080/v1/models/NAME:predict -d '{"instances": [[[1.0, 2.0, 3.0]]]}'
"""


def _run(args: argparse.Namespace) -> int:
    from ideko.runtime.errors import user_errors
    from ideko.runtime.serving.cli import action

    try:
        return action(args)
    except user_errors() as exc:
        import sys

        print(f"ideko serve: error: {exc}", file=sys.stderr)
        return 2


def register(subparsers: Any) -> None:
    """Add ``ideko serve``."""
    from ideko.runtime.serving.cli import add_arguments

    parser = subparsers.add_parser(
        "serve",
        help="serve a registered model over HTTP with KServe's model server",
        description="Serve a registered model (or a packaged model directory) with KServe's "
        "model server: Open Inference Protocol v2 and v1 over HTTP.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(parser)
    parser.set_defaults(func=_run)
