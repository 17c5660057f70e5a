"""Celery tasks of the inbound side: interfaces over mailbridge.inbound.processing.

The gateway wakes `mailbridge.process_inbound(id)` after the row is committed; the
row is the message, the task only says "look at it". A lost task, a restarted
broker or a dead worker loses nothing: `mailbridge.sweep_inbound`, every minute
(config/celery.py), wakes the workers again for what is still waiting.
"""

from __future__ import annotations

import logging
import random

from celery import shared_task

from mailbridge.inbound.processing import (
    MAX_ATTEMPTS,
    SWEEP_GRACE,
    inbound_process,
    inbound_process_many,
    inbound_requeue_pending,
)

logger = logging.getLogger(__name__)


@shared_task(
    name="mailbridge.process_inbound", bind=True, max_retries=MAX_ATTEMPTS, ignore_result=True
)
def process_inbound(self, inbound_id: int) -> str | None:
    """Run the pipeline on stored message `inbound_id`; retried with backoff when a
    step fails (the message stays stored and is tried again)."""
    try:
        return inbound_process(inbound_id=inbound_id)
    except Exception as exc:
        countdown = random.uniform(1, min(300, 10 * 2**self.request.retries))
        raise self.retry(exc=exc, countdown=countdown) from exc


@shared_task(name="mailbridge.process_inbound_many", ignore_result=True)
def process_inbound_many(inbound_ids: list[int]) -> int:
    """The messages the gateway stored together, processed as a chunk
    (inbound_process_many); one that fails gets a task of its own, with its retries.
    Should the chunk as a whole fail (the database gone), its messages stay stored
    and each gets a task of its own."""
    try:
        statuses, failed = inbound_process_many(inbound_ids)
    except Exception:
        logger.exception("inbound chunk %s failed; one task per message", inbound_ids)
        statuses, failed = {}, list(inbound_ids)
    for inbound_id in failed:
        process_inbound.apply_async(args=[inbound_id], countdown=random.uniform(1, 10))
    return len(statuses)


@shared_task(name="mailbridge.sweep_inbound", ignore_result=True)
def sweep_inbound() -> dict:
    """Every minute: wake the workers for stored messages still waiting."""
    return {"woken": inbound_requeue_pending(older_than=SWEEP_GRACE)}
