"""What a live page's browser receives: an event's fragment in the reader's language,
rendered and encoded once per process for all the readers who need it."""

import asyncio
import json
import weakref
from collections import OrderedDict

from channels.db import database_sync_to_async

from realtime import fragments

# The fragment of an event in a language it was stored without (nobody read it in
# that language when it was pushed: realtime.listening), rendered once per process
# for all the readers that need it, live or replaying; the pending renders are per
# event loop (a test, or a server, runs its own).
_rendered: OrderedDict[tuple, str | None] = OrderedDict()
_rendering: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict] = weakref.WeakKeyDictionary()
RENDERED_KEPT = 256


async def event_fragment(message: dict, language: str) -> str | None:
    """The event's fragment in `language`; None when what it showed is gone."""
    stored = (message.get("html") or {}).get(language)
    if stored is not None:
        return stored
    # The commit time tells this push from another of the same seq (a store reset).
    key = (
        message["group"],
        message["seq"],
        (message.get("data") or {}).get("committed_at"),
        language,
    )
    if key in _rendered:
        return _rendered[key]
    pending = _rendering.setdefault(asyncio.get_running_loop(), {})
    task = pending.get(key)
    if task is None:
        task = pending[key] = asyncio.ensure_future(
            database_sync_to_async(fragments.event_html)(message, language)
        )
        task.add_done_callback(lambda _done: pending.pop(key, None))
    fragment = await asyncio.shield(task)
    _rendered[key] = fragment
    if len(_rendered) > RENDERED_KEPT:
        _rendered.popitem(last=False)
    return fragment


# The JSON frame of an event, encoded once for all the readers of a group in this
# process that read it in the same language (a thousand readers: one encoding). The
# fragment itself is part of the key: a fragment re-rendered since (a hidden post,
# replayed) is never served from an older frame.
_frames: OrderedDict[tuple[str, int, str], str] = OrderedDict()
FRAMES_KEPT = 256


def event_frame(message: dict, fragment: str) -> str:
    key = (message["group"], message["seq"], fragment)
    frame = _frames.get(key)
    if frame is None:
        frame = json.dumps(
            {
                "type": "event",
                "seq": message["seq"],
                "kind": message["kind"],
                "op": message["op"],
                "target": message["target"],
                "container": message["container"],
                "html": fragment,
                "data": message.get("data") or {},
            },
            ensure_ascii=False,
        )
        _frames[key] = frame
        if len(_frames) > FRAMES_KEPT:
            _frames.popitem(last=False)
    return frame
