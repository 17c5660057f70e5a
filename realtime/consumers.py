"""The live pages' websocket consumers: thread, board and session.

A live consumer checks access through realtime.streams (the forum's selectors and
permissions), joins the group named by realtime.groups, replays from the catch-up
store (realtime.store) and relays pushes; it holds no domain logic. What the browser
sends is read by realtime.client_input, what it receives made by realtime.frames;
`/ws/health/` is realtime.health.
"""

import asyncio
import logging
import time
import uuid

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from common import collector
from realtime import access, fanout, join_cache, presence, store, streams
from realtime.client_input import TokenBucket, scope_after, scope_language, seq_parse
from realtime.errors import CloseCode, LiveError, StreamForbidden
from realtime.frames import event_fragment, event_frame
from realtime.json_consumer import StrictJsonConsumer
from realtime.streams import Stream

# RFC 6455 §7.4.1: the server is overloaded (here: the reader does not keep up).
CLOSE_TRY_AGAIN_LATER = 1013
PRESENCE_MESSAGE = "live.presence"

logger = logging.getLogger(__name__)


def _in_a_thread(function):
    """`function` (sync, ORM) to await, run in a thread of the pool, its database
    connection given back after. Not in the one thread Channels' sync code shares by
    default: connections joining at once would queue there behind each other."""
    return database_sync_to_async(function, thread_sensitive=False)


class LiveConsumer(StrictJsonConsumer):
    """A live page's connection: checks access, follows the page's group, replays what
    the reader missed, then relays live events in seq order, each exactly once.

    Messages from the browser: {"type": "heartbeat"} (every 30 s; answered with a
    heartbeat) and {"type": "resume", "after": N}. Messages to it: "event" (a
    fragment and what to do with it), "ready" (caught up to seq N), "reset" (too
    far behind: reload the page), "presence" (session live page). Close codes:
    realtime.errors.CloseCode; what the reader may not see is closed with 4404, as
    what does not exist (the page answers 404 to both).

    Pushes reach the connection through realtime.fanout (one subscription per group
    and process) into its inbox; one task per connection (the pump) takes the inbox
    in order, so the catch-up, a resume and the live events never interleave.
    """

    MAX_FRAME = 512  # characters; our messages are a few dozen
    # No channel of its own: pushes come through realtime.fanout, and a channel per
    # connection would cost each of a thousand readers a layer subscription and an
    # idle receive task for nothing; nor a list of Channels groups (none) each.
    channel_layer_alias = None
    groups = ()
    # A reader this far behind is not reading: it is closed (1013, "try again later")
    # and catches up from the store when its browser reconnects.
    INBOX_LIMIT = 1000

    async def connect(self):
        await self.accept()
        self.channel_name = f"live.{uuid.uuid4().hex}"  # names the connection (presence)
        self.closing = False
        self.following = False
        self.cursor: int | None = None
        self.stream: Stream | None = None
        self.last_seen = time.monotonic()
        self.bucket = TokenBucket(
            settings.INTERCOOP_LIVE_RATE_MESSAGES, settings.INTERCOOP_LIVE_RATE_SECONDS
        )
        self.language = scope_language(self.scope)
        self.inbox: asyncio.Queue = asyncio.Queue()
        self.pumping: asyncio.Task | None = None
        self.idle_timer: asyncio.TimerHandle | None = None
        try:
            after = scope_after(self.scope)
            self.stream, cached = await self.stream_for_reader()
        except ValueError:
            await self.close_with(CloseCode.BAD_REQUEST)
            return
        except StreamForbidden:
            # The page answers 404 to whoever may not see it, as if it did not exist
            # (forum.views.access, realtime.views): so does its socket, or the two
            # codes would tell which private threads, boards and sessions exist.
            await self.close_with(CloseCode.NOT_FOUND)
            return
        except LiveError as error:
            await self.close_with(error.code)
            return
        # Follow the group before reading the store: an event committed meanwhile is
        # in both, and the seq cursor drops the second copy.
        await fanout.join(self.stream.group, self)
        for group in self.stream.access_groups:
            await fanout.join(group, self)
        self.following = True
        if cached is not None and not join_cache.valid(cached):
            # Access changed between the look-up and the subscription: the database
            # decides, now that a later change would be heard.
            try:
                await _in_a_thread(self.resolve)()
            except LiveError:
                await self.close_with(CloseCode.NOT_FOUND)
                return
        self.inbox.put_nowait(("start", after))
        self.pumping = asyncio.create_task(self.pump())
        self.look_for_idleness()
        await self.joined()

    def resolve(self) -> Stream:
        """The stream this URL names, if the reader may follow it (sync, ORM)."""
        raise NotImplementedError

    # Whether an anonymous reader's stream may be kept for the next (realtime.join_cache):
    # only where the decision depends on nothing but the URL and who may read a session.
    KEEP_ANONYMOUS = False

    async def stream_for_reader(self) -> tuple[Stream, join_cache.Entry | None]:
        """The stream, and the kept decision it came from (None: read from the database)."""
        if not (self.KEEP_ANONYMOUS and join_cache.anonymous(self.scope)):
            return await _in_a_thread(self.resolve)(), None
        key = (type(self).__name__, *sorted(self.scope["url_route"]["kwargs"].items()))
        return await join_cache.stream(key, _in_a_thread(self.resolve))

    async def joined(self) -> None:
        """Called once the connection follows its stream."""

    async def left(self) -> None:
        """Called when the connection closes, after it followed its stream."""

    async def heartbeat_received(self) -> None:
        """Called on each heartbeat, after it is answered."""

    async def disconnect(self, code):
        if getattr(self, "pumping", None) is not None:
            self.pumping.cancel()
        if getattr(self, "idle_timer", None) is not None:
            self.idle_timer.cancel()
        if getattr(self, "following", False):
            self.following = False
            for group in (self.stream.group, *self.stream.access_groups):
                await fanout.leave(group, self)
            await self.left()

    async def close_with(self, code: int) -> None:
        if not self.closing:
            self.closing = True
            await self.close(code=int(code))

    async def close(self, code=None, reason=None):
        self.closing = True
        await super().close(code=code, reason=reason)

    # From the browser.

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if getattr(self, "closing", True):
            return
        if not self.bucket.take():
            await self.close_with(CloseCode.TOO_MANY)
            return
        if text_data is not None and len(text_data) > self.MAX_FRAME:
            await self.close_with(CloseCode.BAD_REQUEST)
            return
        await super().receive(text_data=text_data, bytes_data=bytes_data, **kwargs)

    async def receive_json(self, content, **kwargs):
        handler = None
        if isinstance(content, dict) and isinstance(content.get("type"), str):
            handler = self.CLIENT_MESSAGES.get(content["type"])
        if handler is None or self.stream is None:
            await self.close_with(CloseCode.BAD_REQUEST)
            return
        try:
            await handler(self, content)
        except ValueError:
            await self.close_with(CloseCode.BAD_REQUEST)

    async def on_heartbeat(self, content: dict) -> None:
        if set(content) != {"type"}:
            raise ValueError("a heartbeat carries nothing")
        self.last_seen = time.monotonic()
        await self.send_json({"type": "heartbeat"})
        await self.heartbeat_received()

    async def on_resume(self, content: dict) -> None:
        if set(content) != {"type", "after"}:
            raise ValueError("resume carries after, and only after")
        self.last_seen = time.monotonic()
        self.inbox.put_nowait(("resume", seq_parse(content["after"])))

    # Named dispatch of the browser's messages: anything else closes with 4400.
    CLIENT_MESSAGES = {"heartbeat": on_heartbeat, "resume": on_resume}

    def look_for_idleness(self) -> None:
        """Closes the connection once the browser was silent for the idle time: a timer, not
        a waiting task, so fewer objects for full collections to walk (common/collector.py)."""
        self.idle_timer = None
        if self.closing:
            return
        remaining = self.last_seen + settings.INTERCOOP_LIVE_IDLE_SECONDS - time.monotonic()
        if remaining <= 0:
            self.closing_idle = asyncio.create_task(self.close_with(CloseCode.IDLE))
            return
        self.idle_timer = asyncio.get_running_loop().call_later(remaining, self.look_for_idleness)

    # The inbox: what realtime.fanout hands over, and the catch-ups asked for.

    def offer(self, message: dict) -> None:
        """A push to the group (called by the fan-out for every reader: no waiting)."""
        if self.closing:
            return
        if self.inbox.qsize() >= self.INBOX_LIMIT:
            self.closing = True
            asyncio.create_task(super().close(code=CLOSE_TRY_AGAIN_LATER))
            return
        self.inbox.put_nowait(("push", message))

    async def pump(self) -> None:
        while True:
            what, item = await self.inbox.get()
            collector.note_activity()  # a delivery under way: no full collection now
            if self.closing:
                continue
            try:
                if what == "push":
                    await self.LAYER_MESSAGES[item["type"]](self, item)
                elif what == "start" and item is None:
                    self.cursor = fanout.known_seq(self.stream.group)
                    if self.cursor is None:
                        self.cursor = await join_cache.read_once(
                            ("last_seq", self.stream.group),
                            lambda: _in_a_thread(store.last_seq)(self.stream.group),
                        )
                        fanout.note_seq(self.stream.group, self.cursor)
                    await self.send_json({"type": "ready", "seq": self.cursor})
                else:  # "start" with ?after=, or "resume"
                    await self.catch_up(item)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("live connection to %s failed", self.stream.group)
                await self.close_with(1011)
                return

    async def catch_up(self, after: int) -> None:
        group = self.stream.group
        known = fanout.known_seq(group)
        if after == known:
            # Every later event will be pushed to this reader: nothing to read.
            replay = store.Replay([], after, complete=True)
        elif known is not None and after < known:
            replay = await join_cache.replay(
                group,
                after=after,
                known=known,
                read=lambda: _in_a_thread(store.replay)(group, after=after, known=known),
            )
        else:
            replay = await join_cache.replay(
                group,
                after=after,
                known=None,
                read=lambda: _in_a_thread(store.replay)(group, after=after),
            )
            fanout.note_seq(group, replay.last_seq)
        await self.deliver(replay, after=after)
        await self.send_json({"type": "ready", "seq": self.cursor})

    async def deliver(self, replay: store.Replay, *, after: int) -> None:
        if not replay.complete:
            # What the reader missed is no longer kept: the page must be reloaded.
            self.cursor = replay.last_seq
            await self.send_json({"type": "reset"})
            return
        for message in replay.messages:
            await self.send_event(message)
        last = replay.messages[-1]["seq"] if replay.messages else after
        self.cursor = max(self.cursor or 0, last)

    async def live_event(self, message: dict) -> None:
        """A pushed event (channel layer type "live.event"), sent once and in order."""
        if self.cursor is None:
            return
        seq = message["seq"]
        if seq <= self.cursor:
            return  # replayed already, or a late copy
        if seq > self.cursor + 1:
            # Pushes of one group can arrive out of order (two writers); what lies
            # between is committed already (numbers are allocated under a lock).
            replay = await _in_a_thread(store.replay)(
                self.stream.group, after=self.cursor, before=seq
            )
            await self.deliver(replay, after=self.cursor)
            if not replay.complete:
                return
        await self.send_event(message)
        self.cursor = seq

    async def live_presence(self, message: dict) -> None:
        """The number of people following changed (channel layer type "live.presence")."""
        await self.send_json({"type": "presence", "count": message["count"]})

    async def live_recheck(self, message: dict) -> None:
        """Who may read changed (channel layer type "live.recheck", realtime.access):
        the reader is read again and the stream resolved again, in the inbox's order,
        so no push queued after the change is sent to a reader who lost access."""
        self.scope["user"] = await access.reader_now(self.scope, message.get("session_digest", ""))
        try:
            await _in_a_thread(self.resolve)()
        except LiveError:
            await self.close_with(CloseCode.NOT_FOUND)

    # Named dispatch of the group's messages: an unknown type fails loudly.
    LAYER_MESSAGES = {
        store.EVENT_MESSAGE: live_event,
        PRESENCE_MESSAGE: live_presence,
        access.RECHECK_MESSAGE: live_recheck,
    }

    async def send_event(self, message: dict) -> None:
        fragment = await event_fragment(message, self.language)
        if fragment is None:
            return  # what the event showed is gone: nothing to show
        # Straight to the ASGI send: this runs once per reader and push.
        await self.base_send({"type": "websocket.send", "text": event_frame(message, fragment)})


class ThreadConsumer(LiveConsumer):
    """/ws/threads/<id>/: new posts, edits and hidden posts of one thread."""

    KEEP_ANONYMOUS = True

    def resolve(self) -> Stream:
        return streams.thread_stream(
            user=self.scope.get("user"), thread_id=self.scope["url_route"]["kwargs"]["pk"]
        )


class BoardConsumer(LiveConsumer):
    """/ws/boards/<slug>/: new threads and activity in one board's list."""

    KEEP_ANONYMOUS = True

    def resolve(self) -> Stream:
        return streams.board_stream(
            user=self.scope.get("user"), slug=self.scope["url_route"]["kwargs"]["slug"]
        )


class SessionLiveConsumer(LiveConsumer):
    """/ws/sessions/<slug>/live/: the session's state, notes, latest posts, and how
    many people follow the page (presence)."""

    def resolve(self) -> Stream:
        return streams.session_stream(
            user=self.scope.get("user"), slug=self.scope["url_route"]["kwargs"]["slug"]
        )

    async def joined(self) -> None:
        count = await self._presence(presence.session_join)
        if count.changed:
            await self._announce(count)  # this connection hears it too
        else:
            await self.send_json({"type": "presence", "count": count.value})

    async def heartbeat_received(self) -> None:
        await self._announce(await self._presence(presence.session_heartbeat))

    async def left(self) -> None:
        await self._announce(await self._presence(presence.session_leave))

    async def _presence(self, action) -> presence.Count:
        return await sync_to_async(action, thread_sensitive=False)(
            session_id=self.stream.session_id, channel_name=self.channel_name
        )

    async def _announce(self, count: presence.Count) -> None:
        if count.changed:
            await get_channel_layer().group_send(
                self.stream.group, {"type": PRESENCE_MESSAGE, "count": count.value}
            )


class SynthesisConsumer(LiveConsumer):
    """/ws/sessions/<slug>/synthese/: the figures of the session's questionnaire as
    answers arrive, for whoever may read its synthesis."""

    def resolve(self) -> Stream:
        return streams.synthesis_stream(
            user=self.scope.get("user"), slug=self.scope["url_route"]["kwargs"]["slug"]
        )
