"""Makes the local Katib's test helpers (manifests, fake trials) importable from here."""

import sys
from pathlib import Path

HELPERS = Path(__file__).resolve().parents[2] / "local" / "katib"
if str(HELPERS) not in sys.path:
    sys.path.insert(0, str(HELPERS))
