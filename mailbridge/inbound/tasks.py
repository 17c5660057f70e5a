"""Celery tasks of the inbound side: interfaces over mailbridge.inbound.processing,
and the wake-ups that send them.

The gateway wakes `mailbridge.process_inbound(id)` after the row is committed
(`inbound_wake`); the row is the message, the task only says "look at it". A lost
task, a restarted broker or a dead worker loses nothing: `mailbridge.sweep_inbound`,
every few seconds (config/celery.py), wakes the workers again for what is still
waiting, and a process starting first releases the claims of the dead ones of its
host (mailbridge.leases).
"""

from __future__ import annotations

import logging
import random
import time
from datetime import timedelta

from celery import shared_task
from django.conf import settings

from mailbridge.inbound.processing import (
    MAX_ATTEMPTS,
    SWEEP_GRACE,
    inbound_process,
    inbound_process_many,
    pending_ids,
    pending_woken,
)
from mailbridge.raw_files import raw_files_sweep

logger = logging.getLogger(__name__)

WAKE_CHUNK = 16
# Raw message files that no row names are looked for at most this often (a listing
# of the inbound dir), by each worker running the sweeper.
RAW_FILES_SWEEP_EVERY = 600.0
_raw_files_swept_at = [float("-inf")]


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
    """Every few seconds: wake the workers for stored messages still waiting; now and
    then, remove the raw message files no row names (mailbridge/raw_files.py)."""
    result = {"woken": inbound_requeue_pending(older_than=SWEEP_GRACE)}
    if time.monotonic() - _raw_files_swept_at[0] >= RAW_FILES_SWEEP_EVERY:
        _raw_files_swept_at[0] = time.monotonic()
        try:
            if removed := raw_files_sweep():
                result["orphan_files"] = removed
        except Exception:  # the next sweep tries again; the messages come first
            logger.exception("sweeping the raw message files failed")
    return result


def inbound_wake(inbound_ids: list[int]) -> int:
    """Ask the workers to process these messages; never raises (the sweeper will).

    One `mailbridge.process_inbound(id)` task per message; when the gateway stored
    many at once (group commit under load), one `mailbridge.process_inbound_many(ids)`
    per WAKE_CHUNK of them instead: publishing a task costs the gateway as much CPU
    as receiving a message, and chunks still spread over every worker process.
    Returns how many messages were handed out."""
    sent = 0
    retry_policy = {"max_retries": 2, "interval_start": 0.2}
    try:
        # One producer for all the chunks, and their arguments' repr (shown by
        # monitoring tools) written here: Celery's safe repr of a list of ids, and a
        # producer taken from the pool per task, were a good part of each publish.
        with process_inbound.app.producer_or_acquire() as producer:
            for start in range(0, len(inbound_ids), WAKE_CHUNK):
                chunk = [int(pk) for pk in inbound_ids[start : start + WAKE_CHUNK]]
                task, args = (
                    (process_inbound, chunk) if len(chunk) == 1 else (process_inbound_many, [chunk])
                )
                task.apply_async(
                    args=args,
                    argsrepr=repr(args),
                    kwargsrepr="{}",
                    producer=producer,
                    retry=True,
                    retry_policy=retry_policy,
                )
                sent += len(chunk)
    except Exception:
        logger.warning(
            "cannot wake the workers for %d stored message(s); the sweeper will",
            len(inbound_ids) - sent,
            exc_info=True,
        )
    return sent


def inbound_requeue_at_start() -> int:
    """What a starting process hands to the workers (after releasing the claims of
    the dead processes of its host: mailbridge.tasks.claims_resume): with the in-process broker
    (`intercoop run`) every task was lost with the process, so every waiting
    message; with Redis the queued tasks survived, so only what waits longer than a
    task takes to arrive (SWEEP_GRACE), instead of queueing a backlog twice."""
    memory = str(settings.CELERY_BROKER_URL).startswith("memory")
    if memory:
        return inbound_requeue_pending(tasks_lost=True)
    return inbound_requeue_pending(older_than=SWEEP_GRACE)


def inbound_requeue_pending(
    *, older_than: timedelta = timedelta(0), tasks_lost: bool = False
) -> int:
    """Wake the workers for every message not processed yet; returns how many.
    Called at the start of `intercoop run`, `smtp` and `worker`, and every few
    seconds by the sweeper (mailbridge.sweep_inbound)."""
    ids = pending_ids(older_than=older_than, tasks_lost=tasks_lost)
    if ids:
        logger.info("inbound: %d stored message(s) not processed yet, waking workers", len(ids))
        pending_woken(ids)
    return inbound_wake(ids)
