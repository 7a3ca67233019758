"""ideko's compiler: spec (YAML) -> validated Spec -> KFP v2 IR and Katib Experiments.

Never imports TensorFlow or ``ideko.runtime``; enforced by import-linter (see pyproject).
"""
