"""Garbage collection in a process that holds thousands of sockets (issue 23, point 9).

Measured under `make soak` (5,000 websockets on one Daphne): CPython's full (generation 2)
collection walks every tracked object, and the sockets' protocol, transport and consumer
objects are most of them: each full pass took 300-380 ms, one every ~20 s while dispatches ran,
and the event loop and every Django view of the process stood still meanwhile. Those pauses were
the push p99 (260-465 ms in one run of three; 75 ms in the others).

So, in a Daphne process only: after each full collection its survivors are frozen
(`gc.freeze`: moved to a generation the collector never walks), and the next full pass walks
only what was created since (tens of milliseconds). The price: a reference cycle that becomes
garbage after it was frozen is not reclaimed while frozen. Every STREAM_GC_THAW_S the freezer
thaws everything instead, so the following full pass walks (and reclaims) the lot: one slow pass
per period rather than three a minute. Objects freed by reference counting (nearly all) are
freed at once either way.
"""

import gc
import sys
import time

from django.conf import settings

_state = {"installed": False, "thawed_at": 0.0}


def _after_collection(phase: str, info: dict) -> None:
    if phase != "stop" or info["generation"] != 2:
        return
    now = time.monotonic()
    if now - _state["thawed_at"] >= settings.STREAM_GC_THAW_S:
        gc.unfreeze()
        _state["thawed_at"] = now
    else:
        gc.freeze()


def install() -> None:
    """In a process started by Daphne's command line (which loads the application after
    importing daphne.cli); never in a test or management process, whose objects come and go."""
    if _state["installed"] or not settings.STREAM_GC_FREEZE or "daphne.cli" not in sys.modules:
        return
    _state["installed"] = True
    _state["thawed_at"] = time.monotonic()
    gc.callbacks.append(_after_collection)
