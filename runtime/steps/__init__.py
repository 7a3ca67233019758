"""ideko.runtime.steps."""
