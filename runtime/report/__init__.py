"""Comparison and selection: ``ranking`` (weighted, normalised criteria; promotion gate) and
``html`` (the self-contained jinja2 report with embedded figures)."""
