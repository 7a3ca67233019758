"""ideko.runtime.report."""
