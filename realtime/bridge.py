"""Sending to a channel layer group from synchronous code, whichever thread it runs in.

The forum's events reach `realtime.publish` after commit, in the thread that
committed: a Django view's thread, a Celery worker's, the SMTP gateway's
`sync_to_async` threads. `async_to_sync(layer.group_send)` is right in production
(channels_redis works from any loop) and from Django's sync views (asgiref runs the
coroutine on the server's loop). It is not right for Channels' in-memory layer
from a thread of its own, such as the embedded worker of `intercoop run`: asgiref
then runs group_send on a new loop, which touches asyncio queues owned by the
server's loop without waking it: messages arrive only at uvicorn's next periodic
tick, and asyncio's debug mode rejects the call ("Non-thread-safe operation invoked
on an event loop other than the current one"; docs/architecture.md, "Layers, and the
embedded run").

So `intercoop run` attaches its loop at startup (`config/embedded.py`), and while
one is attached, every send from another thread is handed to that loop with
`asyncio.run_coroutine_threadsafe`, which wakes it at once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer

logger = logging.getLogger(__name__)

SEND_TIMEOUT = 5.0

_server_loop: asyncio.AbstractEventLoop | None = None


def attach(loop: asyncio.AbstractEventLoop) -> None:
    """Route sends from other threads onto `loop` (the one serving websockets)."""
    global _server_loop
    _server_loop = loop


def detach() -> None:
    global _server_loop
    _server_loop = None


def attached_loop() -> asyncio.AbstractEventLoop | None:
    return _server_loop


def group_send(group: str, message: dict[str, Any]) -> None:
    """Send `message` to `group` from synchronous code, and wait until it is sent."""
    layer = get_channel_layer()
    if layer is None:
        return
    loop = _server_loop
    if loop is not None and loop.is_running() and not _is_running_in(loop):
        future = asyncio.run_coroutine_threadsafe(layer.group_send(group, message), loop)
        future.result(timeout=SEND_TIMEOUT)
        return
    async_to_sync(layer.group_send)(group, message)


def group_send_many(messages: list[tuple[str, dict[str, Any]]]) -> None:
    """Send each (group, message), in order, with one hand-over to the event loop
    (each hand-over through asgiref has a cost of its own: docs/benchmarks.md, "Costs
    behind the code")."""
    layer = get_channel_layer()
    if layer is None or not messages:
        return

    async def send_all():
        for group, message in messages:
            await layer.group_send(group, message)

    loop = _server_loop
    if loop is None and not isinstance(layer, InMemoryChannelLayer) and not _in_a_loop():
        loop = _sender_loop()
    if loop is not None and loop.is_running() and not _is_running_in(loop):
        asyncio.run_coroutine_threadsafe(send_all(), loop).result(timeout=SEND_TIMEOUT)
        return
    async_to_sync(send_all)()


_own_loop: asyncio.AbstractEventLoop | None = None
_own_loop_lock = threading.Lock()


def _sender_loop() -> asyncio.AbstractEventLoop:
    """A loop of this process's own, in a daemon thread, for the sends of a process
    that serves no websockets (a Celery worker): async_to_sync would make a new loop
    for each send, and channels_redis a new Redis connection for each loop
    (docs/benchmarks.md, "Costs behind the code"). Made on first use, after Celery has
    forked its children."""
    global _own_loop
    with _own_loop_lock:
        if _own_loop is None or not _own_loop.is_running() or _own_loop_pid != os.getpid():
            _start_own_loop()
        return _own_loop


_own_loop_pid = 0


def _start_own_loop() -> None:
    global _own_loop, _own_loop_pid
    loop = asyncio.new_event_loop()
    started = threading.Event()
    loop.call_soon(started.set)
    threading.Thread(target=loop.run_forever, name="live-sender", daemon=True).start()
    started.wait(timeout=SEND_TIMEOUT)
    _own_loop, _own_loop_pid = loop, os.getpid()


def _in_a_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _is_running_in(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False
