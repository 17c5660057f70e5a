"""When a web process's full garbage collections run: in a quiet moment, not among deliveries.

CPython's full (generation-2) collection walks every tracked object the process holds
and was not frozen at start (config/asgi.py). A thousand readers joining a live page
leave their connections' objects there (Channels' consumer, uvicorn's and websockets'
protocol objects, tasks, queues, scopes), and the full collection that the joins
trigger then pauses the event loop, so that a post fanned out at that moment reaches
every reader late (docs/benchmarks.md, "Live").

Here the process runs that collection itself, once the collector would have (as many
young collections as CPython's own threshold), but only when it has been quiet for a
while: no HTTP request or websocket connection started (the ASGI wrapper in
config/asgi.py), no live push relayed (realtime.fanout) and none taken from a reader's
inbox to be sent (realtime.consumers: a loaded process sends a push's copies a while
after it relayed it). CPython's own full
collection still runs for a process that is never quiet, after FALLBACK_YOUNG young
collections instead of 10, so that cyclic garbage is always collected in the end.
"""

from __future__ import annotations

import asyncio
import gc
import time
import weakref

# Young (generation-1) collections since the last full one after which a full one is
# due: CPython's own threshold for its third generation.
DUE_AFTER_YOUNG = 10
# CPython's threshold for a process never quiet: its full collection then runs as before,
# only less often.
FALLBACK_YOUNG = 100
# How long without activity counts as quiet, and how often the process looks.
QUIET_SECONDS = 1.0
CHECK_SECONDS = 0.25

_last_activity = 0.0
# The event loops that look for a quiet moment (a test, or a server, runs its own).
_watched: weakref.WeakSet[asyncio.AbstractEventLoop] = weakref.WeakSet()


def install() -> None:
    """Leave full collections to `collect_if_quiet`, CPython's own as a fallback."""
    young, middle, _old = gc.get_threshold()
    gc.set_threshold(young, middle, FALLBACK_YOUNG)


def note_activity() -> None:
    """Something that a pause would delay has just happened."""
    global _last_activity
    _last_activity = time.monotonic()


def is_due() -> bool:
    return gc.get_count()[2] >= DUE_AFTER_YOUNG


def is_quiet(now: float | None = None) -> bool:
    now = time.monotonic() if now is None else now
    return now - _last_activity >= QUIET_SECONDS


def collect_if_quiet() -> bool:
    """The full collection, if one is due and the process is quiet; whether it ran."""
    if gc.isenabled() and is_due() and is_quiet():
        gc.collect()
        return True
    return False


def watch(loop: asyncio.AbstractEventLoop) -> None:
    """Look for a quiet moment every CHECK_SECONDS in `loop` (once per loop). A timer,
    not a task: a loop closed with it pending just drops it."""
    if loop in _watched:
        return
    _watched.add(loop)

    def look() -> None:
        collect_if_quiet()
        if not loop.is_closed():
            loop.call_later(CHECK_SECONDS, look)

    loop.call_later(CHECK_SECONDS, look)


class CollectInQuietMoments:
    """ASGI middleware: each connection (HTTP request, websocket) counts as activity,
    and the first one in an event loop starts the look-out there."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        note_activity()
        watch(asyncio.get_running_loop())
        return await self.application(scope, receive, send)
