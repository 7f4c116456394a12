"""Fewer garbage-collector pauses while trials run.

Every cyclic collection stops the event loop, and with it every model call in flight. A run holds
a large long-lived heap (the domain's data, imported modules, goal states) and allocates many
short-lived objects per call. With CPython's default thresholds a 1,000-trial retail run spent
3.9 s of a 31 s wall clock in collections (up to 0.56 s each), traversing that long-lived heap
again and again. Freezing what exists before the trials start and collecting the young
generations less often cut that to under 1 s (`python benchmarks/bench_scale.py` prints the
collector's pause time of its 1,000-trial runs).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# A young collection after 50,000 net allocations instead of 700; a full one only after 100
# middle-generation ones. Reference cycles are still reclaimed, just in fewer, larger batches.
RUN_THRESHOLDS = (50_000, 20, 100)


def relax_gc() -> tuple[int, int, int]:
    """Freeze the heap as it is now and collect less often; returns the thresholds to restore."""
    previous = gc.get_threshold()
    # No gc.collect() first: on a heap holding litellm it costs ~0.2 s. Garbage frozen now is
    # only kept until unfreeze hands it back to the collector.
    gc.freeze()  # the long-lived heap moves out of the collector's sight
    gc.set_threshold(*RUN_THRESHOLDS)
    return previous


@contextmanager
def fewer_gc_pauses() -> Iterator[None]:
    """``relax_gc`` until the block ends; then the thresholds and the heap are as before."""
    previous = relax_gc()
    try:
        yield
    finally:
        gc.set_threshold(*previous)
        gc.unfreeze()
