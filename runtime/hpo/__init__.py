"""ideko.runtime.hpo."""
