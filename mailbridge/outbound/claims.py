"""The outbox's rows as a queue: who holds which, and what is due.

A worker claims up to INTERCOOP_OUTBOX_BATCH_SIZE due PENDING rows, atomically, by
turning them SENDING under a claim id (`outbox_claim`): two workers never claim the
same row. Each claim carries its owner and a lease that the owner's heartbeat renews
while it works (mailbridge.leases). A worker that dies leaves its claim behind; the
sweeper (`outbox_requeue_stale`, every few seconds) puts such rows back to PENDING once
their lease has lapsed, and a process starting on the same host releases its dead
predecessors' claims at once (docs/architecture.md, "Claiming a batch", "The sweeper"
and "Claims and leases").
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from forum.models import Profile
from mailbridge.leases import lease_lapsed, lease_owner, lease_until
from mailbridge.models import Delivery, DeliveryStatus

logger = logging.getLogger(__name__)


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
    display_name: str | None = ""  # the recipient's, for a To header that names them


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
        OutboxRow(*values[:8], claim=claim, display_name=values[8])
        for values in rows.values_list(
            "id",
            "kind",
            "address",
            "recipient_id",
            "post_id",
            "payload",
            "attempts",
            "recipient__profile__language",
            "recipient__profile__display_name",
        )
    ]


# Raw SQL on the hot path: one round trip instead of three ORM statements and a
# commit, and no SQL compiled per batch (docs/benchmarks.md, "Costs behind the code").
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
SELECT c.id, c.kind, c.address, c.recipient_id, c.post_id, c.payload, c.attempts, p.language,
    p.display_name
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
        OutboxRow(pk, kind, address, user, post, _json(payload), tries, language or "", claim, name)
        for pk, kind, address, user, post, payload, tries, language, name in found
    ]


def _json(value) -> dict:
    # Django reads jsonb as text (its own loader); a bare psycopg cursor may not.
    if isinstance(value, str):
        return json.loads(value)
    return value or {}


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
