"""One channel-layer subscription per group and process, handed out to its live readers.

Channels gives each consumer its own channel: a push to a group of a thousand
readers is then received, decoded and dispatched a thousand times, each through
Channels' per-consumer receive loop (a new task and an asyncio.wait per message).
That loop and the copies cost more than the sending itself (docs/architecture.md,
"Live updates", step 5). Here each process joins a group once, with one channel of its
own; a reader task receives each push once and puts it in the inbox of every live
consumer of the group in this process (`LiveConsumer.offer`), which sends it.

The group name is still the one realtime.groups gives, so a push sent with
`group_send` from any process (channels_redis) or thread (realtime.bridge) reaches
every reader, whatever the layer.

The fan-out also tells writers in which languages its readers read
(realtime.listening): when the first reader of a language joins, and every
listening.REFRESH_SECONDS while any stays.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import weakref
from collections import Counter
from typing import Protocol

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

from common import collector
from realtime import listening
from realtime.store import EVENT_MESSAGE

logger = logging.getLogger(__name__)

# Channels' layers forget a group membership after a day (group_expiry): the
# process's channel joins its groups again well before.
REJOIN_SECONDS = 30 * 60
# Orders what happens in this process: a subscription made active, a message relayed,
# a read started (realtime.join_cache asks which came first).
_ticks = itertools.count(1)


def tick() -> int:
    return next(_ticks)


class Reader(Protocol):
    language: str  # the language the reader's fragments are sent in

    def offer(self, message: dict) -> None: ...


async def _register(group: str, languages: set[str]) -> None:
    try:
        await sync_to_async(listening.register, thread_sensitive=False)(group, languages)
    except Exception:  # the pushes are then rendered for these readers when sent
        logger.warning("cannot register the readers of %s", group, exc_info=True)


class GroupFanout:
    def __init__(self, group: str):
        self.group = group
        self.readers: set[Reader] = set()
        # How many readers read each language: a join asks whether its language is
        # new without a walk over every reader (O(1), not O(readers) a join).
        self.counts: Counter[str] = Counter()
        self.layer = get_channel_layer()
        self.channel: str | None = None
        self.task: asyncio.Task | None = None
        self.refresher: asyncio.Task | None = None
        self.ready = asyncio.Event()
        # From this tick on, every push to the group reaches this process.
        self.active_from: int | None = None
        # Messages relayed, and the tick of the latest (realtime.join_cache).
        self.relayed = 0
        self.relayed_at = 0
        # The highest seq of the group known committed, read or pushed since the
        # subscription was active: every later one is pushed here (a lower bound of
        # the store's, which a joiner that has seen it need not read again).
        self.last_seq: int | None = None

    async def start(self) -> None:
        self.channel = await self.layer.new_channel()
        await self.layer.group_add(self.group, self.channel)
        self.active_from = tick()
        self.task = asyncio.create_task(self._relay(), name=f"fanout {self.group}")
        self.refresher = asyncio.create_task(self._refresh(), name=f"listening {self.group}")
        self.ready.set()

    def languages(self) -> set[str]:
        return {language for language, count in self.counts.items() if count > 0 and language}

    async def add(self, reader: Reader) -> None:
        if reader in self.readers:
            return
        language = getattr(reader, "language", "")
        new = bool(language) and not self.counts[language]
        self.readers.add(reader)  # at once: a leave meanwhile must see it
        self.counts[language] += 1
        if new:
            await _register(self.group, {language})

    def note_seq(self, seq: int) -> None:
        if self.last_seq is None or seq > self.last_seq:
            self.last_seq = seq

    def discard(self, reader: Reader) -> None:
        if reader in self.readers:
            self.readers.discard(reader)
            language = getattr(reader, "language", "")
            self.counts[language] -= 1
            if self.counts[language] <= 0:
                del self.counts[language]

    async def _refresh(self) -> None:
        while True:
            await asyncio.sleep(listening.REFRESH_SECONDS)
            await _register(self.group, self.languages())

    async def stop(self) -> None:
        for task in (self.task, self.refresher):
            if task is not None:
                task.cancel()
        if self.channel is not None:
            try:
                await self.layer.group_discard(self.group, self.channel)
            except Exception:  # the layer may be gone at shutdown
                logger.debug("leaving %s failed", self.group, exc_info=True)

    async def _relay(self) -> None:
        rejoin = asyncio.get_running_loop().time() + REJOIN_SECONDS
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("receiving for %s failed; retrying", self.group)
                await asyncio.sleep(1)
                continue
            self.relayed += 1
            self.relayed_at = tick()
            collector.note_activity()  # no full collection among the deliveries
            if message.get("type") == EVENT_MESSAGE and type(message.get("seq")) is int:
                self.note_seq(message["seq"])
            for reader in list(self.readers):
                reader.offer(message)
            if asyncio.get_running_loop().time() > rejoin:
                rejoin += REJOIN_SECONDS
                await self.layer.group_add(self.group, self.channel)


# Per event loop (a test, or a server, runs its own), group name → fan-out.
_fanouts: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, GroupFanout]] = (
    weakref.WeakKeyDictionary()
)


def _of_this_loop() -> dict[str, GroupFanout]:
    return _fanouts.setdefault(asyncio.get_running_loop(), {})


async def join(group: str, reader: Reader) -> None:
    """Make `reader` receive the pushes to `group` from now on."""
    fanouts = _of_this_loop()
    while True:
        fanout = fanouts.get(group)
        if fanout is None:
            fanout = fanouts[group] = GroupFanout(group)
            try:
                await fanout.start()
            except BaseException:
                fanouts.pop(group, None)
                fanout.ready.set()
                raise
        else:
            await fanout.ready.wait()
        if fanouts.get(group) is fanout:  # not abandoned while we waited
            await fanout.add(reader)
            return


async def leave(group: str, reader: Reader) -> None:
    fanouts = _of_this_loop()
    fanout = fanouts.get(group)
    if fanout is None:
        return
    fanout.discard(reader)
    if not fanout.readers and fanout.ready.is_set():
        del fanouts[group]
        await fanout.stop()


def following(group: str) -> GroupFanout | None:
    """This process's subscription to `group`, once active; None when it has none."""
    fanout = _of_this_loop().get(group)
    return fanout if fanout is not None and fanout.active_from is not None else None


def known_seq(group: str) -> int | None:
    """The highest seq of `group` this process knows committed (see GroupFanout)."""
    fanout = following(group)
    return fanout.last_seq if fanout is not None else None


def note_seq(group: str, seq: int) -> None:
    """`seq` read from the store by a reader of `group` (so after it subscribed)."""
    fanout = following(group)
    if fanout is not None:
        fanout.note_seq(seq)


def readers_of(group: str) -> int:
    """How many readers of `group` this process serves (for tests)."""
    fanout = _of_this_loop().get(group)
    return len(fanout.readers) if fanout else 0
