"""What became of a batch's deliveries, recorded once the batch is over.

SENT; a 4xx (RFC 5321 §4.2.1, transient) back to PENDING with exponential backoff and
full jitter, FAILED after INTERCOOP_OUTBOX_MAX_ATTEMPTS; a 5xx (permanent) FAILED at
once and reported to mailbridge.bounces; a relay that cannot be reached, or a
connection lost, leaves the rest of the batch PENDING for later, its attempts
untouched: nothing is lost however long the relay is down.

Why SENT is written per batch and not per message: a commit on PostgreSQL with
synchronous_commit waits for the WAL flush, which per message would cap a worker's
rate well below what the relay takes (docs/benchmarks.md, "Costs behind the code").
The price is the duplicate window: a worker killed after the relay accepted some
messages of its batch but before the batch was recorded leaves those rows SENDING;
once their lease lapses (or at once when a process restarts on its host,
mailbridge.leases), the sweeper (`claims.outbox_requeue_stale`) puts them back and
they go out again. At most one batch per dead worker, never more
(docs/architecture.md, "Outbound mail").
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from mailbridge.models import Delivery, DeliveryStatus
from mailbridge.outbound.claims import OutboxRow

logger = logging.getLogger(__name__)

ERROR_MAX = 2000


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


def retry_delay(attempts: int) -> float:
    """Exponential backoff with full jitter: uniform in [0, min(cap, base·2^(n-1))]."""
    base = settings.INTERCOOP_OUTBOX_RETRY_BASE_SECONDS
    cap = settings.INTERCOOP_OUTBOX_RETRY_CAP_SECONDS
    return random.uniform(0, min(cap, base * 2 ** max(0, attempts - 1)))


@dataclass
class Outcomes:
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
