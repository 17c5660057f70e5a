"""What an anonymous reader may follow, decided once for the many joining at once.

A thousand readers opening a public thread's page at once each asked the database
whether they may follow it, with the same answer. For readers without a session
(anonymous, nothing to read about them), the stream a URL resolves to is kept here,
per process and event loop, and given to the next anonymous joiner of that URL while
it is surely still right:

- a change of who may read a session (made private or public: forum.access_changes)
  reaches this process as a "live.recheck" on the session's access group
  (realtime.access), which the stream's readers follow; an entry is kept only if the
  process followed those groups before its read started and heard nothing on them
  since, and it is dropped by the next message on them or when the process stops
  following them;
- what no event announces (a thread moved or deleted, an archive import's lease on
  a board) is read again after TTL_SECONDS, as a page would show it a moment later.

Refusals are not kept: a reader refused is always refused by the database.

The catch-up of the readers joining at once is read once too: the same page gives
them the same `after`, and realtime.fanout the seq they must reach, so the store's
answer for (group, after, seq) is shared by those asking within TTL_SECONDS. A later
event (an edit, a hidden post's replacement) has a later seq, which asks again; what
rewrites kept events without one (an account deleted: realtime.person_data) shows to
joiners within TTL_SECONDS, as to a reader who read the store just before.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from realtime import fanout
from realtime.store import Replay
from realtime.streams import Stream

TTL_SECONDS = 2.0
# A bound on what one process keeps (distinct pages being joined within TTL_SECONDS).
MAX_ENTRIES = 10_000
# Catch-ups: how many are kept, and the longest one kept (a longer one is read for each).
MAX_REPLAYS = 256
REPLAY_MESSAGES_KEPT = 50


@dataclass(frozen=True)
class Entry:
    stream: Stream
    expires: float
    # (group, its fan-out, messages it had relayed) for each access group.
    watched: tuple[tuple[str, fanout.GroupFanout, int], ...]


_entries: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple, Entry]] = (
    weakref.WeakKeyDictionary()
)


def _of_this_loop() -> dict[tuple, Entry]:
    return _entries.setdefault(asyncio.get_running_loop(), {})


def anonymous(scope: dict) -> bool:
    """No session at all: the reader is anonymous without reading anything."""
    session = scope.get("session")
    return session is None or session.session_key is None


def valid(entry: Entry) -> bool:
    if time.monotonic() >= entry.expires:
        return False
    return all(
        fanout.following(group) is followed and followed.relayed == relayed
        for group, followed, relayed in entry.watched
    )


def lookup(key: tuple) -> Entry | None:
    entries = _of_this_loop()
    entry = entries.get(key)
    if entry is not None and not valid(entry):
        del entries[key]
        return None
    return entry


_reading: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple, asyncio.Future]] = (
    weakref.WeakKeyDictionary()
)


async def stream(key: tuple, read: Callable[[], Awaitable[Stream]]) -> tuple[Stream, Entry | None]:
    """The stream kept for `key`, and its entry; else `read()`, once for the joiners
    asking while it runs (each would have read the same at the same moment), kept
    for the next ones if it may be. A refusal raised by `read()` reaches them all."""
    entry = lookup(key)
    if entry is not None:
        return entry.stream, entry
    read_from = fanout.tick()  # used by the first asker only, whose read it starts

    async def read_and_keep() -> Stream:
        made = await read()
        keep(key, made, read_from=read_from)
        return made

    return await read_once(("stream", *key), read_and_keep), None


def keep(key: tuple, stream: Stream, *, read_from: int) -> None:
    """Keep `stream`, read from the database from tick `read_from` (fanout.tick) on,
    if no change of access can have happened unheard since."""
    watched = []
    for group in stream.access_groups:
        followed = fanout.following(group)
        if followed is None or followed.active_from > read_from:
            return  # a change before the subscription would not have been heard
        if followed.relayed_at > read_from:
            return  # a recheck came during the read
        watched.append((group, followed, followed.relayed))
    entries = _of_this_loop()
    if len(entries) >= MAX_ENTRIES:
        entries.clear()
    entries[key] = Entry(stream, time.monotonic() + TTL_SECONDS, tuple(watched))


_replays: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[tuple, tuple[float, asyncio.Future]]
] = weakref.WeakKeyDictionary()


async def replay(
    group: str, *, after: int, known: int | None, read: Callable[[], Awaitable[Replay]]
) -> Replay:
    """The catch-up of `group` from `after` to `known` (realtime.store.replay with
    `known`), `read()` once for the joiners asking the same within TTL_SECONDS. With
    `known` None (the process knows no seq of the group yet), once for those asking
    while it runs."""
    replays = _replays.setdefault(asyncio.get_running_loop(), {})
    key = (group, after, known)
    now = time.monotonic()
    kept = replays.get(key)
    if kept is None or kept[0] <= now:
        if len(replays) >= MAX_REPLAYS:
            for old in [k for k, (expires, _task) in replays.items() if expires <= now]:
                del replays[old]
            if len(replays) >= MAX_REPLAYS:
                replays.clear()
        task = asyncio.ensure_future(read())
        kept = replays[key] = (now + TTL_SECONDS, task)

        def forget(done: asyncio.Future) -> None:
            failed = done.cancelled() or done.exception() is not None
            if (
                known is None
                or failed
                or not done.result().complete
                or (len(done.result().messages) > REPLAY_MESSAGES_KEPT)
            ):
                if replays.get(key) is kept:
                    del replays[key]

        task.add_done_callback(forget)
    return await asyncio.shield(kept[1])


async def read_once(key: tuple, read: Callable[[], Awaitable]):
    """`read()`, once for the callers asking `key` while it runs."""
    reading = _reading.setdefault(asyncio.get_running_loop(), {})
    task = reading.get(key)
    if task is None:
        task = reading[key] = asyncio.ensure_future(read())

        def done_reading(done: asyncio.Future) -> None:
            if reading.get(key) is done:
                del reading[key]

        task.add_done_callback(done_reading)
    return await asyncio.shield(task)
