"""What the gateway asks the database: does an address exist, and store this message.

All of it runs in one thread of the gateway's own (`DatabaseThread`), never on the
event loop (docs/fixed-points.md, "Nothing blocks the event loop"), on one long-lived
connection.

Storing uses group commit: the messages whose DATA ended while the previous write
was running are written together, in one transaction, by that thread. A commit is
the expensive part of a durable write (PostgreSQL waits for the WAL flush, SQLite
for the fsync of its WAL), so under load N messages cost about one commit instead
of N, and each sender still gets its 250 only once its own row is committed. A
batch that fails is written again message by message, on a new connection, so that
one bad message cannot take the others down with it and a database restart costs
no 451.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from django.db import connection, transaction

from mailbridge.addresses import AddressKind, parse_address
from mailbridge.errors import InvalidToken
from mailbridge.inbound.errors import IntakeUnavailable, MessageRefused
from mailbridge.inbound.reasons import Reason
from mailbridge.models import InboundMessage
from mailbridge.smtp.ratelimit import BridgeMark
from mailbridge.tokens import (
    ReplyToken,
    verify_answers_token,
    verify_bounce_token,
    verify_reply_token,
)

logger = logging.getLogger(__name__)

BATCH_MAX_MESSAGES = 200
BATCH_MAX_BYTES = 32 * 1024 * 1024
LIST_CACHE_SECONDS = 30.0


# The database thread.


def connection_refresh() -> None:
    """Before each piece of work of the database thread: close its connection when
    Django would no longer use it (older than CONN_MAX_AGE, left outside autocommit,
    or marked by an error), so the next query opens a new one.

    Not Django's per-request routine (close_old_connections), which also runs a
    health check query (`SELECT 1`) before every use: that cost a round trip per
    batch. A connection broken by a database restart fails the write instead, is
    closed (`connection_drop`), and the messages are written again on a new one."""
    if connection.connection is None:
        return
    if (
        connection.errors_occurred
        or not connection.get_autocommit()
        or (connection.close_at is not None and time.monotonic() >= connection.close_at)
    ):
        connection_drop()


def connection_drop() -> None:
    """Close the thread's connection after a failure; never raises."""
    try:
        connection.close()
    except Exception:
        logger.debug("closing a failed database connection", exc_info=True)


def _job(func: Callable, *args):
    connection_refresh()
    try:
        return func(*args)
    except Exception:
        connection_drop()
        raise


class DatabaseThread:
    """The gateway's one thread for the database: its work queues up there, in
    order, on one connection, with no per-call hand-off machinery (asgiref's
    database_sync_to_async cost two connection health checks and a context copy per
    call). Tests pass an executor of their own, to share its thread."""

    def __init__(self, executor: Executor | None = None):
        self.executor = executor or ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="gateway-db"
        )

    def submit(self, func: Callable, *args) -> Future:
        """Run func(*args) there, with the connection refreshed before and dropped
        after an exception."""
        return self.executor.submit(_job, func, *args)

    async def call(self, func: Callable, *args):
        return await asyncio.wrap_future(self.submit(func, *args))


# Addresses.


def _list_exists(slug: str) -> bool:
    from forum.selectors import board_for_list

    return board_for_list(slug=slug) is not None


def _bridge_exists(slug: str) -> bool:
    from mailbridge.bridge.lists import bridge_exists

    return bridge_exists(slug)


class AddressBook:
    """The RCPT check. Tokens are verified without the database (an HMAC); a list
    name is looked up in the database thread and remembered for LIST_CACHE_SECONDS
    when it exists (a session's list does not vanish in the middle of a
    conversation)."""

    def __init__(self, database: DatabaseThread | None = None):
        self.database = database or DatabaseThread()
        self._lists: dict[str, float] = {}

    async def check(self, address: str) -> ReplyToken | BridgeMark | None:
        """Return when `address` takes mail, with the verified token of a reply
        address, a BridgeMark for a registered bridge (None for any other); raise
        MessageRefused otherwise."""
        parsed = parse_address(address)
        if parsed.kind is AddressKind.UNKNOWN:
            raise MessageRefused(Reason.UNKNOWN_ADDRESS, address)
        if parsed.kind is AddressKind.BRIDGE:
            if not await self._known(_bridge_exists, "bridge:" + parsed.slug, parsed.slug):
                raise MessageRefused(Reason.UNKNOWN_ADDRESS, address)
            return BridgeMark(parsed.slug)
        if parsed.kind in (AddressKind.REPLY, AddressKind.BOUNCES, AddressKind.ANSWERS):
            verify = {
                AddressKind.REPLY: verify_reply_token,
                AddressKind.BOUNCES: verify_bounce_token,
                AddressKind.ANSWERS: verify_answers_token,
            }[parsed.kind]
            try:
                token = verify(parsed.token)
            except InvalidToken as exc:
                raise MessageRefused(Reason.INVALID_TOKEN, exc.reason) from exc
            return token if parsed.kind is AddressKind.REPLY else None
        if not await self._known(_list_exists, parsed.slug, parsed.slug):
            raise MessageRefused(Reason.UNKNOWN_ADDRESS, address)
        return None

    async def _known(self, exists, key: str, slug: str) -> bool:
        now = time.monotonic()
        if self._lists.get(key, 0.0) > now:
            return True
        if await self.database.call(exists, slug):
            self._lists[key] = now + LIST_CACHE_SECONDS
            return True
        return False


# Storing.


@dataclass
class Arrival:
    """One accepted SMTP transaction, as it will be stored."""

    raw: bytes
    mail_from: str
    rcpt_tos: list[str]
    peer: str
    helo: str
    received_at: datetime
    # A large message's bytes are in this file (mailbridge/raw_files.py), `raw` empty.
    raw_file: str = ""
    size: int = 0

    @property
    def total_size(self) -> int:
        return self.size or len(self.raw)


def _text(value: str, limit: int) -> str:
    # PostgreSQL refuses NUL in text, and lone surrogates (from undecodable SMTP
    # arguments) cannot be encoded: neither may fail a batch.
    value = (value or "").replace("\x00", "")
    return value.encode("utf-8", "replace").decode("utf-8")[:limit]


def _row(arrival: Arrival) -> InboundMessage:
    return InboundMessage(
        raw=arrival.raw,
        raw_file=arrival.raw_file,
        size=arrival.total_size,
        mail_from=_text(arrival.mail_from, 320),
        rcpt_tos=[_text(address, 320) for address in arrival.rcpt_tos],
        peer=_text(arrival.peer, 100),
        helo=_text(arrival.helo, 255),
        received_at=arrival.received_at,
    )


def messages_store(arrivals: list[Arrival]) -> list[int]:
    """Write the rows in one transaction; their ids, in order, once committed."""
    if connection.vendor == "postgresql":
        return _store_postgresql(arrivals)
    if connection.vendor == "sqlite":
        # WAL with synchronous=NORMAL (config/env.py) is safe against a crash of the
        # process but may lose the last commits on power loss: the gateway's own
        # connection commits with FULL, as a 250 promises.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=FULL")
    with transaction.atomic():
        rows = InboundMessage.objects.bulk_create([_row(arrival) for arrival in arrivals])
    ids = [row.pk for row in rows]
    if any(pk is None for pk in ids):  # pragma: no cover - every supported backend returns ids
        raise IntakeUnavailable("the database returned no ids for the stored messages")
    return ids


_COLUMNS = (
    "raw, raw_file, size, mail_from, rcpt_tos, peer, helo, received_at, "
    "message_id, from_address, subject, status, reason, trail, original_text, attempts, "
    "claimed_by"
)
# Every NOT NULL column is named: Django's fields have no database defaults.
_VALUES = "(%b, %s, %s, %s, %s, %s, %s, %s, '', '', '', 'received', '', '[]', '', 0, '')"


@lru_cache(maxsize=BATCH_MAX_MESSAGES)
def _insert_sql(count: int) -> str:
    table = InboundMessage._meta.db_table
    values = ", ".join([_VALUES] * count)
    return f"INSERT INTO {table} ({_COLUMNS}) VALUES {values} RETURNING id"


def _store_postgresql(arrivals: list[Arrival]) -> list[int]:
    """The rows through psycopg directly, as one multi-row INSERT in autocommit: one
    statement is one transaction, so the batch is written and committed in a single
    round trip (RETURNING gives the ids in the order of VALUES, as bulk_create relies
    on). Server-side binding with the raw bytes as a binary parameter (%b):
    bulk_create's client-side binding escapes every byte of every message as text,
    a large share of the gateway's CPU (docs/benchmarks.md, "Costs behind the code");
    psycopg prepares the statement of each batch size once it has been used a few
    times."""
    import psycopg
    from psycopg.types.json import Jsonb

    params: list = []
    for arrival in arrivals:
        params += (
            arrival.raw,
            arrival.raw_file,
            arrival.total_size,
            _text(arrival.mail_from, 320),
            Jsonb([_text(address, 320) for address in arrival.rcpt_tos]),
            _text(arrival.peer, 100),
            _text(arrival.helo, 255),
            arrival.received_at,
        )
    connection.ensure_connection()
    if not connection.get_autocommit():  # pragma: no cover - connection_refresh sees to it
        raise IntakeUnavailable("the gateway's connection is inside a transaction")
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(_insert_sql(len(arrivals)), params)
        return [row[0] for row in cursor.fetchall()]


class IntakeStore:
    """Group commit of accepted messages; `await store(arrival)` returns the row id
    once it is committed. Then `wake(ids)` is called in the database thread (the
    Celery wake-up, after the commit: docs/fixed-points.md, "Enqueue after commit"); it
    must return quickly (gateway.Waker publishes from a thread of its own).

    The event loop appends each arrival to a queue and, when the database thread is
    not already at work on it, submits one drain of that queue; the drain writes
    batch after batch until the queue is empty, and answers each batch's senders
    with one callback on the loop."""

    def __init__(
        self,
        *,
        wake: Callable[[list[int]], object] | None = None,
        database: DatabaseThread | None = None,
    ):
        self.wake = wake
        self.database = database or DatabaseThread()
        self._lock = threading.Lock()
        self._waiting: deque[tuple[Arrival, asyncio.Future]] = deque()
        self._draining = False

    async def store(self, arrival: Arrival) -> int:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        with self._lock:
            self._waiting.append((arrival, future))
            start, self._draining = not self._draining, True
        if start:
            try:
                self.database.executor.submit(self._drain, loop)
            except BaseException:  # shutting down: the handler answers 451
                with self._lock:
                    self._draining = False
                    dropped, self._waiting = self._waiting, deque()
                for _arrival, waiting in dropped:
                    if waiting is not future and not waiting.done():
                        waiting.set_exception(IntakeUnavailable("the gateway is stopping"))
                raise
        return await future

    def _next_batch(self) -> list[tuple[Arrival, asyncio.Future]]:
        batch, size = [], 0
        with self._lock:
            while self._waiting and len(batch) < BATCH_MAX_MESSAGES:
                arrival = self._waiting[0][0]
                if batch and size + len(arrival.raw) > BATCH_MAX_BYTES:
                    break
                batch.append(self._waiting.popleft())
                size += len(arrival.raw)
            if not batch:
                self._draining = False
        return batch

    def _drain(self, loop: asyncio.AbstractEventLoop) -> None:
        """In the database thread: write what waits, batch after batch."""
        while batch := self._next_batch():
            if not self._write(batch, loop):
                # Again one by one, each on a fresh connection: a message that
                # cannot be stored fails alone, and a connection broken by a
                # database restart costs no 451. (If the failure hid a commit, a
                # message is stored twice, as when its sender retries after a 451;
                # processing makes one post of a Message-ID.)
                logger.warning("storing %d message(s) failed; again one by one", len(batch))
                for item in batch:
                    self._write([item], loop, last_try=True)

    def _write(self, batch, loop, *, last_try: bool = False) -> bool:
        """Store `batch` and answer its senders; False when it failed (on the last
        try its senders are then answered with IntakeUnavailable)."""
        try:
            connection_refresh()
            ids = messages_store([arrival for arrival, _future in batch])
        except Exception:
            connection_drop()
            if not last_try:
                return False
            logger.exception("storing a message failed")
            _answer(loop, batch, None, IntakeUnavailable("the message could not be stored"))
            return False
        _answer(loop, batch, ids, None)
        if self.wake is not None:
            try:
                self.wake(ids)
            except Exception:  # stored all the same: the sweeper wakes them later
                logger.exception("waking the workers for %d message(s) failed", len(ids))
        return True


def _answer(loop, batch, ids: list[int] | None, error: Exception | None) -> None:
    try:
        loop.call_soon_threadsafe(_settle, batch, ids, error)
    except RuntimeError:  # the loop has closed: the gateway stopped, nobody waits
        pass


def _settle(batch, ids: list[int] | None, error: Exception | None) -> None:
    for index, (_arrival, future) in enumerate(batch):
        if future.done():  # the client went away; the message is stored all the same
            continue
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(ids[index])
