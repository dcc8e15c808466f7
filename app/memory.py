"""Garbage-collector control for requests that build millions of short-lived objects.

A 10,000-item batch parses ~130,000 rows and builds facts, decisions and their JSON: the
cyclic collector's full passes, triggered by that growth, walk every live object again and
again (measured: 15–20 % of a batch). None of it forms reference cycles that need the
collector (reference counting frees it), so the collector rests while such a request runs
and resumes when the last one ends (its next pass collects whatever cycles other requests
left meanwhile). Let the request's own objects go before the pause ends: run the work in a
function of its own, so that its locals are freed on return, not walked by that next pass.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_holders = 0
_resume = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the block; nested and concurrent (asyncio)
    blocks share one pause, which ends with the last of them. A collector that was already
    disabled stays disabled."""
    global _holders, _resume
    if _holders == 0:
        _resume = gc.isenabled()
        gc.disable()
    _holders += 1
    try:
        yield
    finally:
        _holders -= 1
        if _holders == 0 and _resume:
            gc.enable()
