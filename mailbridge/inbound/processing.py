"""Processing a stored message: claim it, run the pipeline, record the outcome.

The gateway stored the message and answered 250; from then on the database row is
the message. A worker claims it (RECEIVED → PROCESSING, one UPDATE: two workers
never both claim it), runs the pipeline, and saves status, reason and trail. A
claim names its worker and holds a short lease that the worker's heartbeat renews
while it works (mailbridge.leases); a worker that dies mid-way leaves it PROCESSING
until the lease lapses, or until a process restarting on its host releases it, then
it can be claimed again, by the sweeper (every few seconds) or at the start of a
process (tasks.py, `inbound_requeue_pending`). A step that raises (a bug, the database
gone) leaves the message RECEIVED for another attempt; after MAX_ATTEMPTS it is
rejected with `processing_error` and the trail holds the error: never silently
dropped.

Re-processing is safe: posts are guarded by the unique post_key, bounces by
bounces.py, notices and confirmations by the outbox's (address, key).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from mailbridge.inbound.context import InboundContext, Outcome
from mailbridge.inbound.errors import StepFailed
from mailbridge.inbound.identity import post_key_of, references_of
from mailbridge.inbound.lookups import ChunkLookups
from mailbridge.inbound.notices import notice_send
from mailbridge.inbound.pipeline import LAST_STEP, pipeline_finish_many, pipeline_run
from mailbridge.inbound.reasons import Reason
from mailbridge.leases import lease_hold, lease_lapsed, lease_owner, lease_until
from mailbridge.models import InboundMessage, InboundStatus
from mailbridge.redaction import redact

logger = logging.getLogger(__name__)

# A RECEIVED message younger than this has its own task on the way.
SWEEP_GRACE = timedelta(seconds=15)
# A message the sweeper woke again is not woken again before this: under a backlog
# its task may simply wait in the queue.
REWAKE_AFTER = timedelta(seconds=60)
MAX_ATTEMPTS = 3
REQUEUE_BATCH = 1000


def _claimable(now) -> Q:
    """Waiting, or held by a worker whose lease lapsed (it died)."""
    return Q(status=InboundStatus.RECEIVED) | (
        Q(status=InboundStatus.PROCESSING) & lease_lapsed(now)
    )


def _claim_fields(now) -> dict:
    return {
        "status": InboundStatus.PROCESSING,
        "claimed_at": now,
        "claimed_by": lease_owner(),
        "lease_until": lease_until(),
        "attempts": F("attempts") + 1,
    }


def inbound_claim(*, inbound_id: int, force: bool = False) -> bool:
    """Take the message for this worker; False when another has it or it is done.
    Call it inside leases.lease_hold(), which renews the claim while it is held."""
    now = timezone.now()
    rows = InboundMessage.objects.filter(pk=inbound_id)
    if force:
        rows = rows.filter(post__isnull=True)  # a message that made a post stays made
    else:
        rows = rows.filter(_claimable(now))
    return bool(rows.update(**_claim_fields(now)))


def inbound_process(*, inbound_id: int, force: bool = False) -> str | None:
    """Process stored message `inbound_id`; returns its new status, or None when it
    was not ours to process (already done, or being done by another worker).

    `force` processes it again whatever its status (the admin's "reprocess"),
    unless it made a post.
    """
    with lease_hold():
        if not inbound_claim(inbound_id=inbound_id, force=force):
            return None
        return _process_claimed(InboundMessage.objects.with_raw().get(pk=inbound_id))


def inbound_claim_many(inbound_ids: list[int]) -> list[int]:
    """Take for this worker those of the messages no other worker has (as
    inbound_claim does for one), in one transaction; their ids."""
    now = timezone.now()
    with transaction.atomic():
        mine = list(
            InboundMessage.objects.filter(pk__in=inbound_ids)
            .filter(_claimable(now))
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)
        )
        InboundMessage.objects.filter(pk__in=mine).update(**_claim_fields(now))
    return mine


def inbound_process_many(inbound_ids: list[int]) -> tuple[dict[int, str], list[int]]:
    """Process the stored messages `inbound_ids` as a chunk: claimed together, read in
    one query, what their reply addresses name read once for all (lookups.py), and
    their live pushes numbered, stored and sent together at the end
    (forum.events.batched). Each message runs the pipeline on its own up to its last
    step; then the replies among them are written together, in one transaction
    (pipeline_finish_many: create_post.step_many), or one by one should that fail. A
    message whose step fails takes no other down.

    Returns ({id: new status} of those processed, [ids of those that failed and wait
    for another attempt]); messages another worker has are in neither."""
    with lease_hold():
        return _process_many(inbound_ids)


def _process_many(inbound_ids: list[int]) -> tuple[dict[int, str], list[int]]:
    from forum import events

    claimed = inbound_claim_many(inbound_ids)
    if not claimed:
        return {}, []
    rows = list(InboundMessage.objects.with_raw().filter(pk__in=claimed).order_by("pk"))
    lookups = ChunkLookups(rows)
    statuses, failed = {}, []
    with events.batched():
        contexts, errors, waiting = [], {}, []
        for row in rows:
            if waiting and _needs_written(row, waiting):
                errors.update(pipeline_finish_many(waiting))
                waiting = []
            ctx = InboundContext.from_row(row, lookups)
            contexts.append((row, ctx))
            try:
                if pipeline_run(ctx, before=LAST_STEP) is None:
                    waiting.append(ctx)
            except Exception as exc:  # noqa: BLE001 - concluded below, for this message
                errors[row.pk] = exc
        errors.update(pipeline_finish_many(waiting))
        for row, ctx in contexts:
            try:
                statuses[row.pk] = _conclude(ctx, row, errors.get(row.pk))
            except StepFailed:
                failed.append(row.pk)
    return statuses, failed


def _needs_written(row: InboundMessage, waiting: list[InboundContext]) -> bool:
    """Whether the replies waiting to be written must be written before `row` runs
    the pipeline: it answers one of them (its In-Reply-To or References name their
    Message-ID: find_parent must find that post), or is another copy of one (its
    deduplicate must find the post made)."""
    raw = row.raw_bytes()
    names = references_of(raw)
    key = post_key_of(raw)
    return any(ctx.message_id in names or ctx.post_key == key for ctx in waiting)


def _process_claimed(row: InboundMessage, lookups: ChunkLookups | None = None) -> str:
    """Run the pipeline on a message this worker claimed and record the outcome; its
    new status. Raises StepFailed when it must be tried again (left RECEIVED)."""
    ctx = InboundContext.from_row(row, lookups)
    try:
        pipeline_run(ctx)
    except Exception as exc:  # noqa: BLE001 - concluded below
        return _conclude(ctx, row, exc)
    return _conclude(ctx, row, None)


def _conclude(ctx: InboundContext, row: InboundMessage, error: Exception | None) -> str:
    """After the pipeline ran on the message (`error`: what it raised), its notice,
    its row saved and its log line; its new status. Raises StepFailed when it must
    be tried again (left RECEIVED), until MAX_ATTEMPTS."""
    inbound_id = row.pk
    if error is None:
        try:
            _notify(ctx)
            inbound_save(ctx)
        except Exception as exc:  # noqa: BLE001 - handled as the pipeline's own
            error = exc
    if error is not None:
        exc = error
        if ctx.post is not None:
            # The post, and this message's status with it, are committed already.
            logger.error(
                "inbound %s: posted, but the trail could not be saved", inbound_id, exc_info=exc
            )
            return ctx.status
        if not isinstance(exc, StepFailed):
            logger.error("inbound %s: recording the outcome failed", inbound_id, exc_info=exc)
            ctx.note("processing", "error", f"{type(exc).__name__}: {exc}", "processing_error")
        if row.attempts < MAX_ATTEMPTS:
            InboundMessage.objects.filter(pk=inbound_id).update(
                status=InboundStatus.RECEIVED,
                reason=Reason.PROCESSING_ERROR.value,
                trail=ctx.trail,
            )
            logger.warning("inbound %s: attempt %d failed (%s)", inbound_id, row.attempts, exc)
            if isinstance(exc, StepFailed):
                raise exc
            raise StepFailed("processing", exc) from exc
        ctx.note("processing", "stop", f"gave up after {row.attempts} attempts", "processing_error")
        ctx.decide(Outcome.found(Reason.PROCESSING_ERROR))
        InboundMessage.objects.filter(pk=inbound_id).update(
            status=ctx.status,
            reason=ctx.reason.value,
            trail=ctx.trail,
            processed_at=timezone.now(),
        )
    logger.info(
        "inbound %s from %s: %s (%s)",
        inbound_id,
        redact(ctx.from_address or ctx.mail_from, logger),
        ctx.status,
        ctx.reason.value if ctx.reason else "",
    )
    return ctx.status


def _notify(ctx: InboundContext) -> None:
    """The refusal notice, if one is due; a notice that cannot be written is noted
    and loses nothing else."""
    if ctx.reason is None or ctx.decision(ctx.reason).notice is None:
        return
    try:
        ctx.note("notice", "done", notice_send(ctx))
    except Exception as exc:
        logger.exception("inbound %s: the notice could not be written", ctx.inbound_id)
        ctx.note("notice", "error", f"{type(exc).__name__}: {exc}")


def inbound_save(ctx: InboundContext) -> None:
    if not ctx.saved:
        InboundMessage.objects.filter(pk=ctx.inbound_id).update(**ctx.row_fields())


def pending_ids(
    *, older_than: timedelta = timedelta(0), limit: int = REQUEUE_BATCH, tasks_lost: bool = False
) -> list[int]:
    """Messages stored but not processed: RECEIVED for longer than `older_than`
    (their wake-up was lost, or the process stopped first) and not woken again
    within REWAKE_AFTER (unless `tasks_lost`: every task is gone), or PROCESSING
    under a lapsed lease (their worker died)."""
    now = timezone.now()
    received = Q(status=InboundStatus.RECEIVED, received_at__lte=now - older_than)
    if not tasks_lost:
        received &= lease_lapsed(now)
    return list(
        InboundMessage.objects.filter(
            received | (Q(status=InboundStatus.PROCESSING) & lease_lapsed(now))
        )
        .order_by("received_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def pending_woken(inbound_ids: list[int]) -> None:
    """Note that these messages were just woken again: the sweeper leaves those
    still waiting to their task for REWAKE_AFTER (it uses their lease for that)."""
    InboundMessage.objects.filter(pk__in=inbound_ids, status=InboundStatus.RECEIVED).update(
        lease_until=timezone.now() + REWAKE_AFTER
    )
