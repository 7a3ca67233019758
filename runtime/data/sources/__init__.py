"""Versioned data sources: a data URI plus a ref become one immutable commit and a local tree.

One module per source (``local``, ``dvc``, ``lakefs``) and one resolver (``resolve``); the
records they share (``records``). The preprocess step, Katib trials that preprocess raw
data, the local runner's run-start pinning and ``ideko data …`` all go through ``resolve``.
"""
