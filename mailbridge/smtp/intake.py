"""What the gateway asks the database: does an address exist, and store this message.

Both run in worker threads, never on the event loop (design.md, "Known traps").

Storing uses group commit: the messages whose DATA ended while the previous write
was running are written together, in one transaction, by one thread. A commit is
the expensive part of a durable write (PostgreSQL waits for the WAL flush, SQLite
for the fsync of its WAL), so under load N messages cost about one commit instead
of N, and each sender still gets its 250 only once its own row is committed. A
batch that fails is written again message by message, so that one bad message
cannot take the others down with it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from channels.db import database_sync_to_async
from django.db import connection, transaction

from mailbridge.addresses import AddressKind, parse_address
from mailbridge.errors import InvalidToken
from mailbridge.inbound.errors import IntakeUnavailable, MessageRefused
from mailbridge.inbound.reasons import Reason
from mailbridge.models import InboundMessage
from mailbridge.tokens import verify_bounce_token, verify_reply_token

logger = logging.getLogger(__name__)

BATCH_MAX_MESSAGES = 200
BATCH_MAX_BYTES = 32 * 1024 * 1024
LIST_CACHE_SECONDS = 30.0


def in_thread(func):
    """Run an ORM call in a worker thread, off the event loop, and tidy that thread's
    database connection around it as Django does around a request: a connection past
    CONN_MAX_AGE, or broken by a database restart, is closed instead of failing every
    later command with 451."""
    return database_sync_to_async(func, thread_sensitive=False)


# Addresses.


def _list_exists(slug: str) -> bool:
    from forum.models import Board

    return Board.objects.filter(session__slug__iexact=slug).exists()


class AddressBook:
    """The RCPT check. Tokens are verified without the database (an HMAC); a list
    name is looked up in a thread and remembered for LIST_CACHE_SECONDS when it
    exists (a session's list does not vanish in the middle of a conversation)."""

    def __init__(self):
        self._lists: dict[str, float] = {}

    async def check(self, address: str) -> None:
        """Return when `address` takes mail; raise MessageRefused otherwise."""
        parsed = parse_address(address)
        if parsed.kind is AddressKind.UNKNOWN:
            raise MessageRefused(Reason.UNKNOWN_ADDRESS, address)
        if parsed.kind in (AddressKind.REPLY, AddressKind.BOUNCES):
            verify = verify_reply_token if parsed.kind is AddressKind.REPLY else verify_bounce_token
            try:
                verify(parsed.token)
            except InvalidToken as exc:
                raise MessageRefused(Reason.INVALID_TOKEN, exc.reason) from exc
            return
        if not await self._list_known(parsed.slug):
            raise MessageRefused(Reason.UNKNOWN_ADDRESS, address)

    async def _list_known(self, slug: str) -> bool:
        now = time.monotonic()
        if self._lists.get(slug, 0.0) > now:
            return True
        if await in_thread(_list_exists)(slug):
            self._lists[slug] = now + LIST_CACHE_SECONDS
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


def _text(value: str, limit: int) -> str:
    # PostgreSQL refuses NUL in text, and lone surrogates (from undecodable SMTP
    # arguments) cannot be encoded: neither may fail a batch.
    value = (value or "").replace("\x00", "")
    return value.encode("utf-8", "replace").decode("utf-8")[:limit]


def _row(arrival: Arrival) -> InboundMessage:
    return InboundMessage(
        raw=arrival.raw,
        size=len(arrival.raw),
        mail_from=_text(arrival.mail_from, 320),
        rcpt_tos=[_text(address, 320) for address in arrival.rcpt_tos],
        peer=_text(arrival.peer, 100),
        helo=_text(arrival.helo, 255),
        received_at=arrival.received_at,
    )


def messages_store(arrivals: list[Arrival]) -> list[int]:
    """Write the rows in one transaction; their ids, in order, once committed."""
    if connection.vendor == "postgresql":
        return _store_postgresql([_row(arrival) for arrival in arrivals])
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


_INSERT = (
    "INSERT INTO {table} (raw, size, mail_from, rcpt_tos, peer, helo, received_at, "
    "message_id, from_address, subject, status, reason, trail, original_text, attempts) "
    "VALUES (%b, %s, %s, %s, %s, %s, %s, '', '', '', 'received', '', '[]', '', 0) "
    "RETURNING id"
)


def _store_postgresql(rows: list[InboundMessage]) -> list[int]:
    """The same rows through psycopg directly, with the raw bytes as a binary
    parameter (%b) and server-side binding: bulk_create's client-side binding
    escapes every byte of every message as text and parses each statement anew,
    a fifth of the gateway's CPU per message (bench/inbound.py)."""
    import psycopg
    from psycopg.types.json import Jsonb

    sql = _INSERT.format(table=InboundMessage._meta.db_table)
    params = [
        (bytes(row.raw), row.size, row.mail_from, Jsonb(row.rcpt_tos), row.peer, row.helo,
         row.received_at)
        for row in rows
    ]  # fmt: skip
    with transaction.atomic():
        connection.ensure_connection()
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.executemany(sql, params, returning=True)
            ids = []
            while True:
                ids.append(cursor.fetchone()[0])
                if not cursor.nextset():
                    break
    return ids


class IntakeStore:
    """Group commit of accepted messages; `await store(arrival)` returns the row id
    once it is committed, then `wake(ids)` is called in a thread (the Celery
    wake-up, after the commit: design.md "Enqueue after commit")."""

    def __init__(self, *, wake: Callable[[list[int]], object] | None = None):
        self.wake = wake
        self._waiting: list[tuple[Arrival, asyncio.Future]] = []
        self._writer: asyncio.Task | None = None

    async def store(self, arrival: Arrival) -> int:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._waiting.append((arrival, future))
        if self._writer is None or self._writer.done():
            self._writer = loop.create_task(self._write_all())
        return await future

    def _next_batch(self) -> list[tuple[Arrival, asyncio.Future]]:
        batch, size = [], 0
        while self._waiting and len(batch) < BATCH_MAX_MESSAGES:
            arrival = self._waiting[0][0]
            if batch and size + len(arrival.raw) > BATCH_MAX_BYTES:
                break
            batch.append(self._waiting.pop(0))
            size += len(arrival.raw)
        return batch

    async def _write_all(self) -> None:
        while self._waiting:
            batch = self._next_batch()
            if not await self._write(batch) and len(batch) > 1:
                logger.warning("storing %d messages together failed; one by one", len(batch))
                for item in batch:
                    await self._write([item])

    async def _write(self, batch: list[tuple[Arrival, asyncio.Future]]) -> bool:
        """Store `batch` and answer its senders; False when it failed (a single
        message's sender is then answered with IntakeUnavailable)."""
        try:
            ids = await in_thread(messages_store)([arrival for arrival, _future in batch])
        except Exception:
            if len(batch) > 1:
                return False
            logger.exception("storing a message failed")
            _settle(batch, None, IntakeUnavailable("the message could not be stored"))
            return False
        _settle(batch, ids, None)
        if self.wake is not None:
            asyncio.get_running_loop().run_in_executor(None, self.wake, ids)
        return True


def _settle(batch, ids: list[int] | None, error: Exception | None) -> None:
    for index, (_arrival, future) in enumerate(batch):
        if future.done():  # the client went away; the message is stored all the same
            continue
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(ids[index])
