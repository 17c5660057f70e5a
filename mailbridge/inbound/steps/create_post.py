"""create_post: the message becomes a post through forum.services, the one road of a post.

A reply (a token, or In-Reply-To naming a known post) → post_add in that thread,
answering that post; a message to `<slug>@` answering nothing → thread_create in the
session's board, its subject cleaned of reply and forward prefixes; a bridged list's
message → mailbridge.bridge.ingest.list_post_write in the network's board. source="email",
the Message-ID and the files of the attachments step go with it, so the post is
fanned out to followers (the outbox), pushed live and searchable exactly as a web
post, its attachments with it.

One transaction holds: the claim of the message's `post_key` (unique: a second
copy processed at the same moment fails here and is a duplicate), the post, its
attachments and the stored message's new status. The forum's refusals become
reasons: NotAllowed (a board the person may not write in, or no longer see),
ThreadLocked, an empty or over-long text. Any other refusal is a bug of ours, not
the sender's: it is raised, so the message is tried again, then rejected with
`processing_error` (processing.py), with the traceback in the log.
"""

from __future__ import annotations

import logging
import re

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import override

from forum.errors import NotAllowed, ThreadLocked, UserError
from forum.models import Post, PostSource
from forum.services import PostDraft, post_add, posts_create, thread_create
from mailbridge.inbound.context import InboundContext, Outcome
from mailbridge.inbound.reasons import Reason
from mailbridge.models import InboundMessage, InboundStatus

logger = logging.getLogger(__name__)

TITLE_MAX = 200
# The forum's refusals (UserError codes) a message can meet, and what they are found as.
REFUSALS = {"body_required": Reason.EMPTY, "body_too_long": Reason.TOO_LONG}
# Reply and forward prefixes of the clients our members use, in the languages of
# the issue, with or without a space before the colon (French typography), possibly
# counted ("Re[2]:", "RE^2:"), and our own "[slug]" tag; repeated, in any order.
_PREFIX = re.compile(
    r"^\s*(?:"
    r"(?:re|r|aw|antw|rif|ref|réf|tr|fwd?|fw|wg|rv|enc)\.?\s*(?:\[\d+\]|\^\d+|\(\d+\))?\s*:"
    r"|\[[^\]]{0,80}\]"
    r")\s*",
    re.IGNORECASE,
)


def clean_subject(subject: str) -> str:
    """The title of a new thread from a mail subject: "RE : TR: [slug] Réf. : X" → "X"."""
    title = " ".join((subject or "").split())
    while True:
        shorter = _PREFIX.sub("", title, count=1)
        if shorter == title:
            break
        title = shorter
    return title[:TITLE_MAX].strip()


def _title(ctx: InboundContext) -> str:
    title = clean_subject(ctx.subject)
    if title:
        return title
    first_line = next((line.strip() for line in ctx.body.splitlines() if line.strip()), "")
    first_line = first_line.lstrip("#>*- ").strip()
    if first_line:
        return first_line[:80].rstrip() + ("…" if len(first_line) > 80 else "")
    with override(ctx.language or "fr"):
        return _("(sans objet)")


def step(ctx: InboundContext) -> Outcome:
    new_thread = ctx.thread is None
    try:
        with transaction.atomic():
            if ctx.bridge is not None:
                post = _bridged(ctx)
            elif new_thread:
                thread = thread_create(
                    board=ctx.board,
                    author=ctx.sender,
                    title=_title(ctx),
                    body=ctx.body,
                    source=PostSource.EMAIL,
                    message_id=ctx.message_id,
                    attachments=ctx.attachments,
                    savepoint=False,  # any refusal leaves this block, rolled back whole
                )
                post = thread.last_post
            else:
                post = post_add(draft=_draft(ctx), savepoint=False)
            outcome = _posted(ctx, post, new_thread)
            _row_save(ctx, post, outcome)
    except IntegrityError:
        # Only the post_key can collide: another copy made the post meanwhile.
        ctx.post, ctx.status, ctx.reason = None, InboundStatus.RECEIVED, None
        return Outcome.found(Reason.DUPLICATE, f"{ctx.post_key} posted by another copy")
    except (NotAllowed, UserError) as exc:
        return _refused(exc)
    ctx.saved = True
    return outcome


def step_many(contexts: list[InboundContext]) -> list[Outcome | Exception]:
    """The step for the messages of a chunk that reached it together: the replies
    written in one transaction (forum.services.posts_create), with their
    attachments, and their rows' new status, each refusal as `step` gives it; a new
    thread on its own, with `step`. Should the transaction fail (a post_key taken by
    another copy, a database error, any exception), it is rolled back whole and every
    message goes through `step` alone. For each message, its outcome, or what `step` raised."""
    # A bridged message alone: it may take orphans into its thread (mailbridge.bridge).
    replies = [ctx for ctx in contexts if ctx.thread is not None and ctx.bridge is None]
    written: dict[int, Outcome] = {}
    if len(replies) > 1:
        try:
            written = _replies_write(replies)
        except Exception:  # noqa: BLE001 - rolled back whole: each message alone, below
            # A post_key taken by another copy, a thread deleted meanwhile, the
            # database; or a bug of a subscriber: then the one message it concerns
            # fails alone, in `step`, and is retried, then rejected, as alone.
            logger.info("a chunk's %d replies written one by one", len(replies), exc_info=True)
            for ctx in replies:
                ctx.post, ctx.status, ctx.reason, ctx.saved = (
                    None,
                    InboundStatus.RECEIVED,
                    None,
                    False,
                )
            written = {}
    outcomes: list[Outcome | Exception] = []
    for ctx in contexts:
        if ctx.inbound_id in written:
            outcomes.append(written[ctx.inbound_id])
            continue
        try:
            outcomes.append(step(ctx))
        except Exception as exc:  # noqa: BLE001 - the pipeline records it for this message
            outcomes.append(exc)
    return outcomes


def _replies_write(replies: list[InboundContext]) -> dict[int, Outcome]:
    outcomes: dict[int, Outcome] = {}
    with transaction.atomic():
        results = posts_create(drafts=[_draft(ctx) for ctx in replies])
        posted = []
        for ctx, result in zip(replies, results, strict=True):
            if isinstance(result, Post):
                posted.append((ctx, result))
            else:
                outcomes[ctx.inbound_id] = _refused(result)
        for ctx, post in posted:
            # One UPDATE per row: Django's bulk_update, with its CASE per column and
            # row, cost the worker more than all the rest of the chunk's writes.
            _row_save(ctx, post, outcomes.setdefault(ctx.inbound_id, _posted(ctx, post, False)))
    for ctx, _post in posted:
        ctx.saved = True
    return outcomes


def _bridged(ctx: InboundContext) -> Post:
    """A bridged list's message, by mailbridge.bridge.ingest (as an archive import)."""
    from mailbridge.bridge.ingest import list_post_write
    from mailbridge.inbound.steps.find_parent import referenced_ids

    return list_post_write(
        bridge=ctx.bridge,
        board=ctx.board,
        author=ctx.sender,
        title=_title(ctx),
        body=ctx.body,
        message_id=ctx.message_id,
        referenced=referenced_ids(ctx.message),
        attachments=ctx.attachments,
        parent=ctx.parent,
    )


def _draft(ctx: InboundContext) -> PostDraft:
    """The reply as the forum writes it, alone (post_add) or in a chunk (posts_create)."""
    return PostDraft(
        thread=ctx.thread,
        author=ctx.sender,
        body=ctx.body,
        in_reply_to=ctx.parent,
        source=PostSource.EMAIL,
        message_id=ctx.message_id,
        attachments=ctx.attachments,
    )


def _row_save(ctx: InboundContext, post: Post, outcome: Outcome) -> None:
    """The decision and the unique post_key on the stored message's row, in the
    post's transaction: with the post or not at all."""
    ctx.post = post
    ctx.decide(outcome)
    fields = ctx.row_fields()
    fields["trail"] = [*ctx.trail, ctx.entry("create_post", outcome)]
    InboundMessage.objects.filter(pk=ctx.inbound_id).update(post_key=ctx.post_key, **fields)


def _refused(exc: Exception) -> Outcome:
    """The outcome of a message the forum refused to post; `exc` raised again when
    it is no refusal a message can meet (a title we made too long, a reply placed
    in another thread): a bug, tried again, never blamed on the sender."""
    if isinstance(exc, ThreadLocked):
        return Outcome.found(Reason.THREAD_LOCKED, str(exc))
    if isinstance(exc, NotAllowed):
        return Outcome.found(Reason.NOT_ALLOWED, f"{exc} ({exc.code})")
    reason = REFUSALS.get(getattr(exc, "code", ""))
    if reason is None:
        raise exc
    return Outcome.found(reason, f"{exc} ({exc.code})")


def _posted(ctx: InboundContext, post: Post, new_thread: bool) -> Outcome:
    where = f"thread {post.thread_id}, post {post.pk}"
    if post.in_reply_to_id:
        where += f" answering post {post.in_reply_to_id}"
    files = f", {len(ctx.attachments)} attachment(s)" if ctx.attachments else ""
    if new_thread:
        return Outcome.found(Reason.NEW_THREAD, where + files)
    return Outcome.found(Reason.POSTED, where + files)
