"""Garbage-collector settings for the scan's long phases.

Python's cyclic collector walks every tracked object at each full collection. A scan's
processes hold hundreds of thousands of long-lived objects (imported parsers and the model
in the workers; the dump-wide pass's collections in the scan process), and creating many
short-lived objects (scorecards, report pages) triggers full collections that walk them
all again, for nothing: measured on the 5k benchmark dump, scoring took 4.6 s instead of
3.2 s (docs/performance.md).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Objects alive on entry are left out of collections until exit (:func:`gc.freeze`).

    Objects created inside are collected as usual; what was frozen is handed back to the
    collector on exit, so garbage among it is freed then. Inside an earlier freeze (a nested
    use, or a host program's own) nothing is changed: that freeze's owner undoes it.
    """
    if gc.get_freeze_count() > 0:
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
