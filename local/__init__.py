"""The local engine: KFP's runner and Katib's tuner on one machine (``ideko run``, ``ideko tune``).

Nothing here runs in a cluster pod except the local tuner, when the tune step is asked for
``hpo_backend=local`` (or ``auto`` off-cluster). It reads compiled files (IR, manifests), never
compiler objects, and never imports TensorFlow (trials and tasks do, in their own processes).
"""
