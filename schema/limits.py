"""Every size bound on hostile or broken input, in one place (the README's reliability table).

A spec and a data tree come from users, so each reader bounds what it accepts *before* the
expensive work: the spec loader (``ideko.compiler.load``) bounds the file and the document
its aliases expand to; the data reader (``ideko.runtime.data.reader``) bounds each file,
each zip member's decompressed size and compression ratio, and each series' length. Both
halves import these numbers from here, so a limit, its message and its test never disagree.
"""

from __future__ import annotations

# --- spec files -------------------------------------------------------------------------
# A hand-written spec is a few KB; 1 MiB leaves room for generated ones and rejects a
# runaway (e.g. a pasted dataset) before the parser spends seconds on it.
MAX_SPEC_BYTES = 1024 * 1024
# Aliases can make a small file expand exponentially ("billion laughs"): the document a spec
# expands to may hold at most this many nodes (mappings, lists, scalars, keys). The IDEKO
# spec has 329, compile_bench.py's 100-model spec 1,555; ruamel's round-trip parser needs
# ~0.1-0.4 ms per node, so this also keeps any spec's parse to a few seconds ...
MAX_NODES = 10_000
# ... and at most this many characters of scalar text: no more than a file of the largest
# allowed size could hold without aliases (90,000 aliases to a 100 kB string stop here).
MAX_EXPANDED_CHARS = MAX_SPEC_BYTES
MAX_DEPTH = 64  # a spec is ~8 levels deep; this keeps conversion far from Python's limit
# Integers a spec may write: Kubernetes, protobuf and Katib all carry them as int64.
MAX_INTEGER = 2**63 - 1
# Seeds (the split seed, a suggestion service's ``random_state``) seed numpy's RandomState,
# which refuses anything outside 0 .. 2**32 - 1.
MAX_RANDOM_STATE = 2**32 - 1

# --- data files -------------------------------------------------------------------------
# The hard safety cap on one series' length (rows), whatever length policy the spec declares:
# every series is padded to the longest, so one runaway file would size every array (a
# 505 KB zip holding 10.4 M rows once padded 240 series to 7.7 GB). IDEKO's series have a few
# hundred to a few thousand points; 100,000 points x 240 series x 3 indicators is 288 MB.
MAX_SERIES_POINTS = 100_000
# One series file (a .csv, or the CSV inside a .zip, once decompressed): 100,000 rows of a
# dozen indicators is ~15 MB of text; 64 MiB leaves room for wide files.
MAX_DATA_FILE_BYTES = 64 * 1024 * 1024
# CSVs of sensor readings deflate 3-10x; a member claiming more than this ratio
# (uncompressed / compressed) is a zip bomb, refused before it is inflated.
MAX_COMPRESSION_RATIO = 100
