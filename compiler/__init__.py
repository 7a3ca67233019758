"""ideko's compiler: spec (YAML) -> validated Spec -> KFP v2 IR and Katib Experiments.

Stages as folders: ``load/`` (read, include, schema, defaults, typed Spec, semantic checks),
``build/`` (pipeline, Katib, components, resources), then ``render`` (pure: Spec → texts) and
``write`` (the only disk writer). ``api`` is the short facade over them; ``cli`` calls it.
Never imports TensorFlow or ``ideko.runtime``; enforced by import-linter (see pyproject).
"""
