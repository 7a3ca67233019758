"""ideko.runtime.data."""
