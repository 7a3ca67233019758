"""ideko.runtime.runner."""
