"""Celery tasks of the inbound side: interfaces over mailbridge.inbound.processing.

The gateway wakes `mailbridge.process_inbound(id)` after the row is committed; the
row is the message, the task only says "look at it". A lost task, a restarted
broker or a dead worker loses nothing: `mailbridge.sweep_inbound`, every minute
(config/celery.py), wakes the workers again for what is still waiting.
"""

from __future__ import annotations

import random

from celery import shared_task

from mailbridge.inbound.processing import (
    MAX_ATTEMPTS,
    SWEEP_GRACE,
    inbound_process,
    inbound_requeue_pending,
)


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
    """The messages the gateway stored together, one after the other; one that fails
    gets a task of its own, with its retries."""
    done = 0
    for inbound_id in inbound_ids:
        try:
            inbound_process(inbound_id=inbound_id)
            done += 1
        except Exception:
            process_inbound.apply_async(args=[inbound_id], countdown=random.uniform(1, 10))
    return done


@shared_task(name="mailbridge.sweep_inbound", ignore_result=True)
def sweep_inbound() -> dict:
    """Every minute: wake the workers for stored messages still waiting."""
    return {"woken": inbound_requeue_pending(older_than=SWEEP_GRACE)}
