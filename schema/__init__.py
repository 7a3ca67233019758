"""The JSON Schema of ideko specs, shipped as package data."""

from importlib.resources import files
from pathlib import Path

SCHEMA_FILE = "ideko.schema.json"


def schema_path() -> Path:
    """Path of the spec schema inside the installed package."""
    return Path(str(files(__name__).joinpath(SCHEMA_FILE)))
