"""Shared by every compiler test folder: ``build_specs`` (typed Spec factories) sits here.

pytest puts this folder on ``sys.path`` when it loads this conftest (rootdir-relative
"prepend" import mode), so ``import build_specs`` works in ``build/`` and beside it.
"""
