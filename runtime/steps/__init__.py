"""One module per pipeline step, each with three entry points and one behaviour:

- ``component(...)``: the KFP component body (artifact objects with ``.path``/``.uri``/
  ``.metadata``, JSON strings); returns a dict of output parameters;
- ``run(...)``: the same with plain paths and dicts;
- ``main(argv=None, prog=None) -> int``: the command line, reachable as
  ``python -m ideko.runtime.steps.<step>`` and ``ideko step <step>``; bad input prints
  ``prog: error: …`` and returns 2 (no traceback).
"""
