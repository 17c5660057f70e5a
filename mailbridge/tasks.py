"""Celery tasks of the mail bridge: interfaces over the outbox services.

The broker only wakes workers: every delivery is a database row first
(mailbridge.outbound), so a lost task, a restarted broker or a dead worker loses
nothing: the sweeper, scheduled every few seconds by beat (config/celery.py), finds
what is due and wakes the senders again.
"""

from __future__ import annotations

import random

from celery import shared_task

from mailbridge.inbound.tasks import inbound_requeue_at_start
from mailbridge.leases import leases_release_dead
from mailbridge.outbound.claims import outbox_due_count, outbox_requeue_stale
from mailbridge.outbound.fanout import outbox_wake, wake_taken
from mailbridge.outbound.sender import outbox_send_due


@shared_task(name="mailbridge.send_pending", bind=True, max_retries=8, ignore_result=True)
def send_pending(self) -> dict:
    """Send due deliveries, batch after batch, until none is due or the relay is down.

    An unexpected error (database restarting, a bug) retries the task with
    exponential backoff and jitter; the rows it had claimed come back through the
    sweeper.
    """
    wake_taken()  # before reading what is due: what commits from now wakes another task
    try:
        report = outbox_send_due()
    except Exception as exc:
        countdown = random.uniform(0, min(300, 5 * 2**self.request.retries))
        raise self.retry(exc=exc, countdown=countdown) from exc
    return {"sent": report.sent, "retried": report.retried, "failed": report.failed}


@shared_task(name="mailbridge.sweep_outbox", ignore_result=True)
def sweep_outbox() -> dict:
    """Every few seconds: requeue the batches of dead workers (their leases lapsed),
    wake senders if mail is due."""
    requeued = outbox_requeue_stale()
    due = outbox_due_count()
    if due:
        outbox_wake(deliveries=due, coalesce=False)
    return {"requeued": requeued, "due": due}


def claims_resume() -> None:
    """At the start of a worker or gateway: the claims of the processes of this host
    that died are released (mailbridge.leases: they wait for no lease), then what
    they held and what waits is handed to the workers, inbound and outbox."""
    leases_release_dead()
    inbound_requeue_at_start()
    sweep_outbox()
