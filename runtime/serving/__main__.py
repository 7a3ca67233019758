"""``python -m ideko.runtime.serving``: the InferenceService predictor's entry point."""

import sys

from ideko.runtime.serving.cli import main

sys.exit(main())
