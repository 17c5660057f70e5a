"""Sending the outbox: claim a batch, send it over one connection, record each outcome.

The database is the queue; Celery only wakes workers (mailbridge.tasks). A worker:

1. claims up to INTERCOOP_OUTBOX_BATCH_SIZE due PENDING rows, atomically, by
   turning them SENDING under a claim id (`outbox_claim`): two workers never
   claim the same row;
2. builds each message (mailbridge.outbound.message: one build per post, spliced
   per recipient), passes it through the DKIM hook, and hands it to the relay over
   one connection reused for the whole batch (and the batches that follow);
3. records the outcomes in a few statements at the end of the batch: SENT; a 4xx
   (RFC 5321 §4.2.1, transient) back to PENDING with exponential backoff and full
   jitter, FAILED after INTERCOOP_OUTBOX_MAX_ATTEMPTS; a 5xx (permanent) FAILED at
   once and reported to mailbridge.bounces; a relay that cannot be reached, or a
   connection lost, leaves the rest of the batch PENDING for later, its attempts
   untouched: nothing is lost however long the relay is down.

Why SENT is written per batch and not per message: a commit on PostgreSQL with
synchronous_commit waits for the WAL flush (about 3 ms measured here), which per
message would cap a worker near 300 messages/s. The price is the duplicate window:
a worker killed after the relay accepted some messages of its batch but before the
batch was recorded leaves those rows SENDING; once their lease lapses (or at once
when a process restarts on its host, mailbridge.leases), the sweeper
(`outbox_requeue_stale`) puts them back and they go out again. At most one batch
per dead worker, never more (docs/architecture.md, "Outbound mail").
"""

from __future__ import annotations

import json
import logging
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from forum.models import Post, Profile
from mailbridge.errors import RelayUnavailable, SigningUnavailable
from mailbridge.leases import Hold, lease_hold, lease_lapsed, lease_owner, lease_until
from mailbridge.models import Delivery, DeliveryKind, DeliveryStatus
from mailbridge.outbound.message import PostMessage, Recipient, post_message_build
from mailbridge.outbound.transport import Refused, sign, transport_for_settings
from mailbridge.tokens import bounce_address

logger = logging.getLogger(__name__)

ERROR_MAX = 2000


@dataclass(slots=True)
class OutboxRow:
    """What sending one delivery needs, loaded in one query per batch."""

    id: int
    kind: str
    address: str
    recipient_id: int | None
    post_id: int | None
    payload: dict
    attempts: int
    language: str
    claim: str = ""


@dataclass
class BatchReport:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    released: int = 0
    relay_down: bool = False

    def add(self, other: BatchReport) -> None:
        for name in ("claimed", "sent", "retried", "failed", "released"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.relay_down = self.relay_down or other.relay_down


# Building: one named builder per delivery kind (digests and notices register theirs).

MessageBuilder = Callable[[OutboxRow], bytes]
_builders: dict[str, MessageBuilder] = {}


def register_builder(kind: str, builder: MessageBuilder) -> None:
    """Make `builder(row) -> bytes` build the deliveries of `kind` (DeliveryKind)."""
    _builders[DeliveryKind(kind)] = builder


class Cancelled(Exception):
    """This delivery must not go out any more (its post was hidden)."""


class PostMessages:
    """The built message of each post, kept while the post is unchanged.

    Whether a post changed (edited_at) or was hidden is asked again at most every
    RECHECK_SECONDS, in one query for the batch: a post is built once per worker
    process, not once per batch or per recipient, and an edit or a moderator's
    hiding reaches the deliveries not yet sent within seconds.
    """

    MAX = 64
    RECHECK_SECONDS = 2.0

    def __init__(self):
        self._built: dict[int, tuple[datetime | None, PostMessage]] = {}
        self._checked: dict[int, float] = {}
        self.hidden: set[int] = set()

    def refresh(self, post_ids: set[int]) -> None:
        now = time.monotonic()
        due = {pk for pk in post_ids if now - self._checked.get(pk, -1e9) > self.RECHECK_SECONDS}
        if not due:
            return
        versions = Post.objects.filter(pk__in=due).values_list("pk", "edited_at", "is_hidden")
        stale = set()
        for pk, edited_at, is_hidden in versions:
            self._checked[pk] = now
            if is_hidden:
                self.hidden.add(pk)
            else:
                self.hidden.discard(pk)
            cached = self._built.get(pk)
            if cached is None or cached[0] != edited_at:
                stale.add(pk)
        if not stale:
            return
        posts = Post.objects.select_related("thread__board__session", "author__profile").filter(
            pk__in=stale
        )
        for post in posts:
            if len(self._built) >= self.MAX:
                evicted = next(iter(self._built))
                self._built.pop(evicted)
                self._checked.pop(evicted, None)
            self._built[post.pk] = (post.edited_at, post_message_build(post))

    def build(self, row: OutboxRow) -> bytes:
        if row.post_id in self.hidden:
            raise Cancelled("the post was hidden by a moderator before it was sent")
        _version, message = self._built[row.post_id]
        return message.for_recipient(
            Recipient(user_id=row.recipient_id, address=row.address, language=row.language)
        )


def _payload_message(row: OutboxRow) -> bytes:
    """Digests, recaps and notices carry their rendered content in the payload
    (mailbridge.outbound.payload_message builds their message)."""
    from mailbridge.outbound.payload_message import build_payload_message

    delivery = Delivery.objects.select_related("recipient__profile").get(pk=row.id)
    return build_payload_message(delivery)


for _kind in (DeliveryKind.DIGEST, DeliveryKind.RECAP, DeliveryKind.NOTICE):
    register_builder(_kind, _payload_message)


# Claiming.


def worker_name() -> str:
    return lease_owner()


def outbox_claim(*, limit: int, due_before: datetime, worker: str = "") -> list[OutboxRow]:
    """Atomically take up to `limit` due PENDING rows for this worker (→ SENDING).

    PostgreSQL: one statement, UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED)
    RETURNING …: concurrent workers skip each other's rows instead of waiting on
    them, and the claimed rows come back in the same round trip.
    SQLite has no row locks and no SKIP LOCKED; writers are serialised on the
    database (BEGIN IMMEDIATE, config.env), so one UPDATE … WHERE id IN (SELECT …
    LIMIT n) AND status = 'pending' is atomic: a row cannot be claimed twice.
    """
    claim = f"{worker or worker_name()}:{uuid.uuid4().hex[:12]}"[:120]
    if connection.vendor == "postgresql":
        return _claim_postgresql(claim, limit, due_before)
    due = Delivery.objects.filter(
        status=DeliveryStatus.PENDING, next_attempt_at__lte=due_before
    ).order_by("next_attempt_at", "id")
    with transaction.atomic():
        count = Delivery.objects.filter(
            id__in=due.values("id")[:limit], status=DeliveryStatus.PENDING
        ).update(
            status=DeliveryStatus.SENDING,
            claimed_by=claim,
            claimed_at=timezone.now(),
            lease_until=lease_until(),
        )
    if not count:
        return []
    rows = Delivery.objects.filter(claimed_by=claim, status=DeliveryStatus.SENDING).order_by("id")
    return [
        OutboxRow(*values, claim=claim)
        for values in rows.values_list(
            "id",
            "kind",
            "address",
            "recipient_id",
            "post_id",
            "payload",
            "attempts",
            "recipient__profile__language",
        )
    ]


# Raw SQL on the hot path: one round trip instead of three ORM statements and a
# commit (the ORM's SQL compilation alone cost a fifth of a sender's CPU).
_CLAIM_SQL = """
WITH claimed AS (
    UPDATE {delivery} SET status = %(sending)s, claimed_by = %(claim)s, claimed_at = %(now)s,
        lease_until = %(lease)s
    WHERE id IN (
        SELECT id FROM {delivery}
        WHERE status = %(pending)s AND next_attempt_at <= %(due)s
        ORDER BY next_attempt_at, id
        LIMIT %(limit)s
        FOR UPDATE SKIP LOCKED
    )
    RETURNING id, kind, address, recipient_id, post_id, payload, attempts
)
SELECT c.id, c.kind, c.address, c.recipient_id, c.post_id, c.payload, c.attempts, p.language
FROM claimed c LEFT JOIN {profile} p ON p.user_id = c.recipient_id
ORDER BY c.id
"""


def _claim_postgresql(claim: str, limit: int, due_before: datetime) -> list[OutboxRow]:
    sql = _CLAIM_SQL.format(delivery=Delivery._meta.db_table, profile=Profile._meta.db_table)
    params = {
        "sending": DeliveryStatus.SENDING,
        "pending": DeliveryStatus.PENDING,
        "claim": claim,
        "now": timezone.now(),
        "lease": lease_until(),
        "due": due_before,
        "limit": limit,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    return [
        OutboxRow(pk, kind, address, user, post, _json(payload), attempts, language or "", claim)
        for pk, kind, address, user, post, payload, attempts, language in found
    ]


def _json(value) -> dict:
    # Django reads jsonb as text (its own loader); a bare psycopg cursor may not.
    if isinstance(value, str):
        return json.loads(value)
    return value or {}


# Recording.


def retry_delay(attempts: int) -> float:
    """Exponential backoff with full jitter: uniform in [0, min(cap, base·2^(n-1))]."""
    base = settings.INTERCOOP_OUTBOX_RETRY_BASE_SECONDS
    cap = settings.INTERCOOP_OUTBOX_RETRY_CAP_SECONDS
    return random.uniform(0, min(cap, base * 2 ** max(0, attempts - 1)))


@dataclass
class _Outcomes:
    """A batch's outcomes, written in a few statements once the batch is over.

    SENT is written whatever became of the claim (the message did leave); the other
    outcomes only while this batch's claim still holds the row.
    """

    sent: list[int] = field(default_factory=list)
    retry: list[tuple[OutboxRow, int | None, str]] = field(default_factory=list)
    failed: list[tuple[OutboxRow, int | None, str]] = field(default_factory=list)
    released: list[OutboxRow] = field(default_factory=list)
    release_error: str = ""

    def record(self, report: BatchReport) -> None:
        now = timezone.now()
        if self.sent:
            Delivery.objects.filter(id__in=self.sent).update(
                status=DeliveryStatus.SENT, sent_at=now, smtp_code=250, last_error=""
            )
        for row, code, error in self.retry:
            attempts = row.attempts + 1
            if attempts >= settings.INTERCOOP_OUTBOX_MAX_ATTEMPTS:
                self.failed.append((row, code, f"{error} (gave up after {attempts} attempts)"))
                continue
            Delivery.objects.filter(id=row.id, claimed_by=row.claim).update(
                status=DeliveryStatus.PENDING,
                attempts=attempts,
                next_attempt_at=now + timedelta(seconds=retry_delay(attempts)),
                smtp_code=code,
                last_error=error[:ERROR_MAX],
                claimed_by="",
            )
            report.retried += 1
        for row, code, error in self.failed:
            Delivery.objects.filter(id=row.id, claimed_by=row.claim).update(
                status=DeliveryStatus.FAILED,
                attempts=row.attempts + 1,
                smtp_code=code,
                last_error=error[:ERROR_MAX],
            )
            report.failed += 1
        if self.released:
            delay = timedelta(seconds=settings.INTERCOOP_OUTBOX_RELAY_DOWN_SECONDS)
            # Only rows still under this batch's claim: a row the sweeper gave to
            # another worker meanwhile is that worker's now.
            Delivery.objects.filter(
                id__in=[row.id for row in self.released],
                claimed_by=self.released[0].claim,
                status=DeliveryStatus.SENDING,
            ).update(
                status=DeliveryStatus.PENDING,
                next_attempt_at=now + delay,
                last_error=self.release_error[:ERROR_MAX],
                claimed_by="",
            )
            report.released += len(self.released)
        report.sent += len(self.sent)
        for row, code, error in self.failed:
            if code is not None and 500 <= code < 600:
                _report_bounce(row.id, code, error)


def _report_bounce(delivery_id: int, code: int, text: str) -> None:
    """A 5xx from the relay: the recipient's mailbox refused this message."""
    try:
        from mailbridge.bounces import record_delivery_failure
    except ImportError:
        return
    try:
        delivery = Delivery.objects.select_related("recipient").get(pk=delivery_id)
        record_delivery_failure(delivery, code, text)
    except Exception:
        logger.exception("recording the bounce of delivery %s failed", delivery_id)


# Sending.


class OutboxSender:
    """Sends batch after batch over one transport; one per task run (or thread)."""

    def __init__(self, *, worker: str = "", batch_size: int | None = None):
        self.worker = worker or worker_name()
        self.batch_size = batch_size or settings.INTERCOOP_OUTBOX_BATCH_SIZE
        self.posts = PostMessages()
        self.transport = None
        self.builders: dict[str, MessageBuilder] = {DeliveryKind.POST: self.posts.build}

    def send_batch(self, *, due_before: datetime | None = None) -> BatchReport:
        """Claim one batch and send it; the report says what became of it. The
        batch's lease is renewed by this process's heartbeat while it is sent."""
        with lease_hold() as hold:
            rows = outbox_claim(
                limit=self.batch_size, due_before=due_before or timezone.now(), worker=self.worker
            )
            report = BatchReport(claimed=len(rows))
            if not rows:
                return report
            outcomes = _Outcomes()
            try:
                self._send_rows(rows, outcomes, report, hold)
            finally:
                outcomes.record(report)
            return report

    def _send_rows(
        self, rows: list[OutboxRow], outcomes: _Outcomes, report: BatchReport, hold: Hold
    ) -> None:
        post_ids = {row.post_id for row in rows if row.kind == DeliveryKind.POST and row.post_id}
        if post_ids:
            self.posts.refresh(post_ids)
        for index, row in enumerate(rows):
            if hold.running_out():
                # The heartbeat could not renew the lease: give the rest back before
                # the sweeper would think this worker dead.
                outcomes.released.extend(rows[index:])
                outcomes.release_error = "batch took too long; given back"
                return
            try:
                message = sign(self._build(row))
            except Cancelled as exc:
                outcomes.failed.append((row, None, str(exc)))
                continue
            except SigningUnavailable as exc:
                logger.error("DKIM signing impossible, the outbox waits: %s", exc)
                outcomes.released.extend(rows[index:])
                outcomes.release_error = f"DKIM: {exc}"
                report.relay_down = True
                return
            except Exception as exc:
                logger.exception("building delivery %s failed", row.id)
                outcomes.retry.append((row, None, f"building the message failed: {exc!r}"))
                continue
            try:
                self._transport().send(
                    envelope_from=bounce_address(row.id), recipient=row.address, message=message
                )
            except Refused as exc:
                target = outcomes.failed if exc.permanent else outcomes.retry
                target.append((row, exc.code, f"{exc.code} {exc.text}"))
                continue
            except RelayUnavailable as exc:
                logger.warning("relay unavailable, %d deliveries wait: %s", len(rows) - index, exc)
                outcomes.released.extend(rows[index:])
                outcomes.release_error = str(exc)
                report.relay_down = True
                self.close()
                return
            outcomes.sent.append(row.id)

    def _build(self, row: OutboxRow) -> bytes:
        builder = self.builders.get(row.kind) or _builders.get(row.kind)
        if builder is None:
            raise LookupError(f"no message builder registered for delivery kind {row.kind!r}")
        return builder(row)

    def _transport(self):
        if self.transport is None:
            transport = transport_for_settings()
            transport.open()
            self.transport = transport
        return self.transport

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()
            self.transport = None


def outbox_send_due(
    *, worker: str = "", batch_size: int | None = None, max_batches: int | None = None
) -> BatchReport:
    """Send batches until none is due (what was due when called), or the relay is
    down; the body of the `mailbridge.send_pending` task and of `send_outbox`."""
    due_before = timezone.now()
    sender = OutboxSender(worker=worker, batch_size=batch_size)
    total = BatchReport()
    try:
        batches = 0
        while max_batches is None or batches < max_batches:
            report = sender.send_batch(due_before=due_before)
            total.add(report)
            batches += 1
            if not report.claimed or report.relay_down:
                break
    finally:
        sender.close()
    return total


def outbox_requeue_stale(*, older_than: timedelta | None = None) -> int:
    """Rows left SENDING by a worker that died (its lease lapsed; with
    `older_than`, its claim older than that, whatever the lease) go back to
    PENDING, due now; returns how many. Their attempt counts one more, so a
    message that kills every worker that tries it ends FAILED, not in a loop."""
    now = timezone.now()
    stale = Delivery.objects.filter(status=DeliveryStatus.SENDING)
    if older_than is None:
        stale = stale.filter(lease_lapsed(now))
    else:
        stale = stale.filter(claimed_at__lte=now - older_than)
    with transaction.atomic():
        given_up = stale.filter(attempts__gte=settings.INTERCOOP_OUTBOX_MAX_ATTEMPTS - 1).update(
            status=DeliveryStatus.FAILED,
            attempts=F("attempts") + 1,
            last_error="every worker that tried it died",
        )
        requeued = stale.update(
            status=DeliveryStatus.PENDING,
            attempts=F("attempts") + 1,
            next_attempt_at=now,
            claimed_by="",
            last_error="requeued: its worker stopped before recording the batch",
        )
    if requeued or given_up:
        logger.warning("outbox: %d stale claims requeued, %d given up", requeued, given_up)
    return requeued


def outbox_due_count() -> int:
    return Delivery.objects.filter(
        status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now()
    ).count()
