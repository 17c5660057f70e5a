"""Sending the outbox: claim a batch, send it over one connection, record each outcome.

The database is the queue; Celery only wakes workers (mailbridge.tasks). A worker:

1. claims a batch of due rows (mailbridge.outbound.claims: two workers never claim
   the same row);
2. builds each message (mailbridge.outbound.message: one build per post, spliced
   per recipient), passes it through the DKIM hook, and hands it to the relay over
   one connection reused for the whole batch (and the batches that follow);
3. records the outcomes in a few statements at the end of the batch
   (mailbridge.outbound.outcomes, which says why per batch and what it costs).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from forum.models import Post
from mailbridge.errors import RelayUnavailable, SigningUnavailable
from mailbridge.leases import Hold, lease_hold
from mailbridge.models import Delivery, DeliveryKind
from mailbridge.outbound.claims import OutboxRow, outbox_claim, worker_name
from mailbridge.outbound.message import PostMessage, Recipient, post_message_build
from mailbridge.outbound.outcomes import BatchReport, Outcomes
from mailbridge.outbound.transport import Refused, sign, transport_for_settings
from mailbridge.tokens import bounce_address

logger = logging.getLogger(__name__)


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


for _kind in (
    DeliveryKind.DIGEST,
    DeliveryKind.RECAP,
    DeliveryKind.NOTICE,
    DeliveryKind.REMINDER,
    DeliveryKind.REGISTRATION,
):
    register_builder(_kind, _payload_message)


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
            outcomes = Outcomes()
            try:
                self._send_rows(rows, outcomes, report, hold)
            finally:
                outcomes.record(report)
            return report

    def _send_rows(
        self, rows: list[OutboxRow], outcomes: Outcomes, report: BatchReport, hold: Hold
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
