"""Stage 1 of the compiler, load and validate: spec file → typed, checked ``Spec``.

``load_spec`` (``loader``) runs the stages in order; each module is one of them.
"""

from ideko.compiler.load.diagnostics import Diagnostic, SpecError, SpecNotFoundError
from ideko.compiler.load.loader import load_spec

__all__ = ["Diagnostic", "SpecError", "SpecNotFoundError", "load_spec"]
