"""ideko's runtime: the steps the generic image executes (and the local runner and tuner).

Never imports ``ideko.compiler``; it reads the JSON config sections the compiled pipeline
passes to every step.
"""
