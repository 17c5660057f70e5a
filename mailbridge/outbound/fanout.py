"""From a new post to its outbox rows, in the post's own transaction.

`on_post_created` is subscribed (atomic) to the forum's `post_created` event in
MailbridgeConfig.ready(): it runs inside `posts_create`'s transaction, so the post
and its deliveries commit together or not at all (the transactional outbox,
docs/fixed-points.md, "Nothing is lost"). Only after the commit are the workers
woken: a task sent earlier could run before the rows are visible, or for a post
rolled back.
"""

from __future__ import annotations

import logging
import math

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from forum.models import Post, PostSource
from mailbridge.models import Delivery, DeliveryKind, DeliveryStatus
from mailbridge.outbound.recipients import post_recipients

logger = logging.getLogger(__name__)

INSERT_BATCH = 1000


def post_delivery_key(post_id: int) -> str:
    return f"post:{post_id}"


def post_fanout(*, post: Post) -> int:
    """Write one PENDING delivery per recipient of `post`; returns how many.

    Idempotent: (address, key) is unique, so running it twice for a post (an event
    published again, a retry) adds no second row for anyone.
    """
    recipients = post_recipients(post=post)
    if not recipients:
        return 0
    now = timezone.now()
    key = post_delivery_key(post.pk)
    Delivery.objects.bulk_create(
        [
            Delivery(
                kind=DeliveryKind.POST,
                key=key,
                recipient_id=recipient.user_id,
                address=recipient.address,
                post_id=post.pk,
                status=DeliveryStatus.PENDING,
                next_attempt_at=now,
            )
            for recipient in recipients
        ],
        batch_size=INSERT_BATCH,
        ignore_conflicts=True,
    )
    return len(recipients)


def on_post_created(
    *, post_id: int, new_thread: bool = False, post: Post | None = None, **_payload
) -> None:
    """Atomic subscriber of `post_created`: write the rows, wake the workers on commit.
    A post imported from a list's archive is mailed to no one."""
    if post is not None and post.source == PostSource.IMPORT:
        return
    if post is None:
        post = Post.objects.select_related("thread__board__session").get(pk=post_id)
    count = post_fanout(post=post)
    if count:
        logger.info("post %s: %d deliveries queued", post_id, count)
        transaction.on_commit(lambda: outbox_wake(deliveries=count))


# A wake of one task waiting in the queue, not started yet: set (in the cache, which is
# shared with the workers as the broker is: Redis, or this process's memory when the
# worker is embedded) when such a wake is sent, cleared by the task as it starts,
# before it reads what is due. While it is set, another wake of one task is not sent:
# the waiting task will claim what is committed until it starts (outbox_send_due
# sends all that is due when it is called), and what commits after it started wakes
# another. A wake lost with its flag still set (the broker lost the task) stops the
# next wakes for WAKE_SECONDS at most; the sweeper wakes regardless.
WAKE_KEY = "outbox:wake-pending"
WAKE_SECONDS = 10


def _wake_already_waiting() -> bool:
    """Whether a one-task wake is waiting; marks one as waiting when none is."""
    try:
        return not cache.add(WAKE_KEY, 1, WAKE_SECONDS)
    except Exception:
        logger.warning("outbox wake flag unavailable; waking anyway", exc_info=True)
        return False


def wake_taken() -> None:
    """Called by the sending task as it starts: the waiting wake is this one, and what
    commits from now on must wake another task."""
    try:
        cache.delete(WAKE_KEY)
    except Exception:
        logger.warning("outbox wake flag unavailable", exc_info=True)


def outbox_wake(*, deliveries: int = 0, coalesce: bool = True) -> int:
    """Ask the workers to send what is due: one task per batch, up to the number
    of workers that can send in parallel (INTERCOOP_OUTBOX_PARALLEL_SENDERS), so
    that a large fan-out is spread over every worker. Each task claims batches
    until none is due, so a task too many finds nothing and stops at once.

    A wake of one task (a confirmation, a notice) is coalesced with one already
    waiting to start (`WAKE_KEY`): many answers a second make as many rows but not
    as many tasks. `coalesce=False` (the sweeper) sends it regardless.

    Never raises: when the broker is unreachable the rows wait in the database and
    the sweeper (mailbridge.sweep_outbox, every few seconds) wakes the workers later.
    """
    from mailbridge.tasks import send_pending

    batch = settings.INTERCOOP_OUTBOX_BATCH_SIZE
    wanted = max(1, math.ceil(deliveries / batch)) if deliveries else 1
    tasks = min(wanted, settings.INTERCOOP_OUTBOX_PARALLEL_SENDERS)
    flagged = coalesce and tasks == 1
    if flagged and _wake_already_waiting():
        return 0
    sent = 0
    try:
        for _ in range(tasks):
            send_pending.apply_async(
                retry=True, retry_policy={"max_retries": 2, "interval_start": 0.2}
            )
            sent += 1
    except Exception:
        logger.warning("cannot wake the outbox workers; the sweeper will", exc_info=True)
        if flagged:
            wake_taken()  # nothing waits: the next row must try again
    return sent
