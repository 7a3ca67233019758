"""ideko.runtime.training."""
