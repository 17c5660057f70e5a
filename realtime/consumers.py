"""Websocket consumers: the health check, and the live thread, board and session pages.

A live consumer checks access through realtime.streams (the forum's selectors and
permissions), joins the group named by realtime.groups, replays from the catch-up
store (realtime.store) and relays pushes; it holds no domain logic.
"""

import asyncio
import json
import logging
import time
import uuid
import weakref
from collections import OrderedDict
from types import SimpleNamespace
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings
from django.utils import translation

from realtime import fanout, fragments, presence, store, streams
from realtime.errors import CloseCode, LiveError, StreamForbidden
from realtime.streams import Stream

# Application close code (RFC 6455 §7.4.2 leaves 4000-4999 to applications): the
# client sent something this socket does not understand.
CLOSE_BAD_REQUEST = int(CloseCode.BAD_REQUEST)
# RFC 6455 §7.4.1: the server is overloaded (here: the reader does not keep up).
CLOSE_TRY_AGAIN_LATER = 1013
PRESENCE_MESSAGE = "live.presence"

logger = logging.getLogger(__name__)


class StrictJsonConsumer(AsyncJsonWebsocketConsumer):
    """A JSON consumer whose client gets a clear answer for any bad frame.

    Channels' JSON consumer raises on a binary frame or a text that is not JSON,
    which kills the consumer and closes the socket with 1011 (server error); here
    such a frame closes it with 4400 as an unknown message does.
    """

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if text_data is None:
            await self.close(code=CLOSE_BAD_REQUEST)
            return
        try:
            content = await self.decode_json(text_data)
        except ValueError:  # json.JSONDecodeError, and UnicodeDecodeError
            await self.close(code=CLOSE_BAD_REQUEST)
            return
        await self.receive_json(content, **kwargs)


class HealthConsumer(StrictJsonConsumer):
    """Answers {"type": "ping"} with {"type": "pong"}: lets operators and tests check
    that websockets are served end to end (ASGI server, Channels, routing)."""

    async def receive_json(self, content, **kwargs):
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})
        else:
            await self.close(code=CLOSE_BAD_REQUEST)


class TokenBucket:
    """At most `capacity` messages at once, refilled at capacity/per_seconds a second."""

    def __init__(self, capacity: int, per_seconds: float):
        self.capacity = capacity
        self.rate = capacity / per_seconds
        self.tokens = float(capacity)
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


def _language(scope) -> str:
    """The reader's language as LocaleMiddleware decides it for pages: the language
    cookie, else Accept-Language, else the site's default."""
    headers = dict(scope.get("headers") or [])
    request = SimpleNamespace(
        COOKIES=scope.get("cookies") or {},
        META={"HTTP_ACCEPT_LANGUAGE": headers.get(b"accept-language", b"").decode("latin-1")},
    )
    return translation.get_language_from_request(request)


def _after(scope) -> int | None:
    """`?after=<seq>` from the URL; None when absent; ValueError when malformed."""
    values = parse_qs((scope.get("query_string") or b"").decode("latin-1")).get("after")
    if not values:
        return None
    return _seq(values[0])


def _seq(value) -> int:
    if isinstance(value, bool):
        raise ValueError("a seq is a number")
    if isinstance(value, str):
        if not value.isascii() or not value.isdigit() or len(value) > 18:
            raise ValueError("a seq is a number")
        value = int(value)
    if not isinstance(value, int) or not 0 <= value < 10**18:
        raise ValueError("a seq is a non-negative integer")
    return value


# The fragment of an event in a language it was stored without (nobody read it in
# that language when it was pushed: realtime.listening), rendered once per process
# for all the readers that need it, live or replaying; the pending renders are per
# event loop (a test, or a server, runs its own).
_rendered: OrderedDict[tuple, str | None] = OrderedDict()
_rendering: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict] = weakref.WeakKeyDictionary()
RENDERED_KEPT = 256


async def _fragment(message: dict, language: str) -> str | None:
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


def _event_frame(message: dict, fragment: str) -> str:
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
    # idle receive task for nothing.
    channel_layer_alias = None
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
        self.language = _language(self.scope)
        self.inbox: asyncio.Queue = asyncio.Queue()
        self.tasks: list[asyncio.Task] = []
        try:
            after = _after(self.scope)
            self.stream = await database_sync_to_async(self.resolve)()
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
        self.following = True
        self.inbox.put_nowait(("start", after))
        self.tasks = [
            asyncio.create_task(self.pump()),
            asyncio.create_task(self.close_when_idle()),
        ]
        await self.joined()

    def resolve(self) -> Stream:
        """The stream this URL names, if the reader may follow it (sync, ORM)."""
        raise NotImplementedError

    async def joined(self) -> None:
        """Called once the connection follows its stream."""

    async def left(self) -> None:
        """Called when the connection closes, after it followed its stream."""

    async def heartbeat_received(self) -> None:
        """Called on each heartbeat, after it is answered."""

    async def disconnect(self, code):
        for task in getattr(self, "tasks", []):
            task.cancel()
        if getattr(self, "following", False):
            self.following = False
            await fanout.leave(self.stream.group, self)
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
        self.inbox.put_nowait(("resume", _seq(content["after"])))

    # Named dispatch of the browser's messages: anything else closes with 4400.
    CLIENT_MESSAGES = {"heartbeat": on_heartbeat, "resume": on_resume}

    async def close_when_idle(self) -> None:
        timeout = settings.INTERCOOP_LIVE_IDLE_SECONDS
        while not self.closing:
            remaining = self.last_seen + timeout - time.monotonic()
            if remaining <= 0:
                await self.close_with(CloseCode.IDLE)
                return
            await asyncio.sleep(remaining)

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
            if self.closing:
                continue
            try:
                if what == "push":
                    await self.LAYER_MESSAGES[item["type"]](self, item)
                elif what == "start" and item is None:
                    self.cursor = await database_sync_to_async(store.last_seq)(self.stream.group)
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
        replay = await database_sync_to_async(store.replay)(self.stream.group, after=after)
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
            replay = await database_sync_to_async(store.replay)(
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

    # Named dispatch of the group's messages: an unknown type fails loudly.
    LAYER_MESSAGES = {store.EVENT_MESSAGE: live_event, PRESENCE_MESSAGE: live_presence}

    async def send_event(self, message: dict) -> None:
        fragment = await _fragment(message, self.language)
        if fragment is None:
            return  # what the event showed is gone: nothing to show
        # Straight to the ASGI send: this runs once per reader and push.
        await self.base_send({"type": "websocket.send", "text": _event_frame(message, fragment)})


class ThreadConsumer(LiveConsumer):
    """/ws/threads/<id>/: new posts, edits and hidden posts of one thread."""

    def resolve(self) -> Stream:
        return streams.thread_stream(
            user=self.scope.get("user"), thread_id=self.scope["url_route"]["kwargs"]["pk"]
        )


class BoardConsumer(LiveConsumer):
    """/ws/boards/<slug>/: new threads and activity in one board's list."""

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
