"""The one write core of posts: every post, from the web, the mail pipeline or a
task, is written by `posts_create`.

It writes a list of drafts inside the caller's transaction: each is checked (who
may write in the board, a locked thread, the body), the threads are locked in one
query in id order (two writers never wait on each other in a circle), the posts
are inserted in one statement and their attachments in another, each thread's
counters updated and the authors' read marks upserted in one statement; then the
pages showing those threads are invalidated (forum.page_invalidation.posts_written)
and each post is published as `post_created`, complete with its attachments. The
Markdown is rendered before the locks are taken, so that they are held only for
the writes.

The mail pipeline writes a chunk of replies with it; forum.services.posts writes
one draft with it (`post_add`, `thread_create`), adding what a single submission
needs. Atomic subscribers of `post_created` (the mail outbox) run in the write's
transaction; live pushes and worker wake-ups after commit (forum.events).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from common.compiled_queries import CompiledQuery
from forum import events
from forum.errors import NotAllowed, ThreadLocked, UserError
from forum.models import Attachment, Board, Post, PostSource, ReadMark, Thread
from forum.page_invalidation import posts_written
from forum.permissions import can_moderate, can_post, can_take_bridged
from forum.rendering import markdown_to_html

Refusal = NotAllowed | UserError


@dataclass(frozen=True)
class AttachmentDraft:
    """A file already written under INTERCOOP_ATTACHMENTS_DIR, waiting for its post."""

    filename: str
    content_type: str
    size: int
    path: str  # relative to INTERCOOP_ATTACHMENTS_DIR
    is_inline_safe: bool


@dataclass
class PostDraft:
    """A post to write in `thread`: a reply to `in_reply_to` when given."""

    thread: Thread
    author: Any
    body: str
    in_reply_to: Post | None = None
    source: str = PostSource.WEB
    message_id: str = ""
    submission_key: str = ""
    attachments: Sequence[AttachmentDraft] = ()
    # Whose rights are checked, when the post is shown under another name than the
    # person's (an anonymous testimony: forum.services.testimonies); None: the author.
    acting: Any = None
    # Came through a bridge to a network's own list: its author (maybe a guest) is
    # checked by forum.permissions.can_take_bridged instead of can_post.
    bridged: bool = False
    # When it was written, if before now: an archive's message (source IMPORT).
    created_at: datetime | None = None
    # markdown_to_html(clean_body(body)), when the caller rendered it already (an
    # archive import renders in its parsing processes, beside its other work).
    html: str = ""


def clean_body(body: str) -> str:
    """Strip the body and check it is neither empty nor over the size limit."""
    body = (body or "").replace("\r\n", "\n").replace("\x00", "").strip()
    if not body:
        raise UserError(_("Le message est vide."), code="body_required")
    limit = settings.INTERCOOP_POST_MAX_CHARS
    if len(body) > limit:
        raise UserError(
            _("Le message est trop long : %(length)d caractères pour %(max)d au plus.")
            % {"length": len(body), "max": limit},
            code="body_too_long",
        )
    return body


def posts_create(*, drafts: Sequence[PostDraft]) -> list[Post | Refusal]:
    """Write the posts of `drafts`, in order, inside the caller's transaction; for
    each, the post made or its refusal (NotAllowed, ThreadLocked, UserError), so
    that one refused draft keeps no other back. A post numbered 1 opens its thread
    (`post_created` says `new_thread`)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("posts_create writes inside the caller's transaction")
    # Cleaned and rendered before the locks; a refused body is said after the
    # permission checks, as for one post.
    prepared: list[tuple[str, str] | UserError] = []
    for draft in drafts:
        try:
            body = clean_body(draft.body)
        except UserError as refusal:
            prepared.append(refusal)
        else:
            prepared.append((body, draft.html or markdown_to_html(body)))
    threads = _threads_locked([draft.thread for draft in drafts])
    results: list[Post | Refusal] = []
    written: list[tuple[Post, PostDraft]] = []
    for draft, ready in zip(drafts, prepared, strict=True):
        thread = threads[draft.thread.pk]
        refusal = _refusal(thread=thread, draft=draft)
        if refusal is None and isinstance(ready, UserError):
            refusal = ready
        if refusal is not None:
            results.append(refusal)
            continue
        body, html = ready
        thread.post_count += 1
        post = Post(
            thread=thread,
            number=thread.post_count,
            author=draft.author,
            in_reply_to=draft.in_reply_to,
            body_markdown=body,
            body_html=html,
            body_text=body,
            source=draft.source,
            message_id=draft.message_id,
            submission_key=draft.submission_key,
        )
        if draft.created_at is not None:
            post.created_at = draft.created_at
        written.append((post, draft))
        results.append(post)
    if written:
        _write(written)
    return results


def _refusal(*, thread: Thread, draft: PostDraft) -> Refusal | None:
    """Why `draft.author` may not add the draft to `thread` (locked, as read under
    lock), if they may not; its body is checked apart."""
    board = thread.board
    if draft.bridged:
        allowed = can_take_bridged(board)
    else:
        allowed = can_post(draft.acting or draft.author, board)
    if not allowed:
        return NotAllowed(_("Vous ne pouvez pas écrire dans ce forum."), code="cannot_post")
    if thread.is_locked and not can_moderate(draft.author, board):
        return ThreadLocked(_("Ce fil est verrouillé : on ne peut plus y répondre."))
    if draft.in_reply_to is not None and draft.in_reply_to.thread_id != thread.pk:
        return UserError(_("Le message auquel vous répondez est dans un autre fil."), code="reply")
    return None


# The thread's own columns a post changes or depends on, read under lock.
_THREAD_LOCK = CompiledQuery(
    lambda shape, *, thread_id: (
        Thread.objects.select_for_update()
        .filter(pk=thread_id)
        .values_list("pk", "post_count", "is_locked", "board_id")
    )
)
_THREAD_RELATED = ("board__event", "board__session", "author__profile")


def _threads_locked(wanted: list[Thread]) -> dict[int, Thread]:
    """The threads by id, their rows locked in id order: numbers and counters stay
    consistent under concurrent writers. When the caller's threads come with their
    board (event, session) and author (profile) loaded, as the mail pipeline's chunk
    lookups read them, only their counter and lock flag are read again (for one
    thread, with SQL made once per process: Django making the query with its joins
    for every reply was a large share of an emailed reply's CPU, docs/benchmarks.md,
    "Costs behind the code"), and a thread moved to another board since is read
    again; otherwise the threads are read again with them (of="self": those rows
    come along unlocked)."""
    by_id = {thread.pk: thread for thread in wanted}
    if not all(_has_related(thread) for thread in by_id.values()):
        found = {
            thread.pk: thread
            for thread in Thread.objects.select_for_update(of=("self",))
            .select_related(*_THREAD_RELATED)
            .filter(pk__in=by_id)
            .order_by("pk")
        }
        _all_found(by_id, found)
        return found
    if len(by_id) == 1:
        rows = _THREAD_LOCK.rows(thread_id=next(iter(by_id)))
    else:
        rows = list(
            Thread.objects.select_for_update()
            .filter(pk__in=by_id)
            .order_by("pk")
            .values_list("pk", "post_count", "is_locked", "board_id")
        )
    _all_found(by_id, {row[0]: row for row in rows})
    moved = []
    for pk, post_count, is_locked, board_id in rows:
        thread = by_id[pk]
        thread.post_count, thread.is_locked = post_count, bool(is_locked)
        if thread.board_id != board_id:
            moved.append(pk)
    if moved:
        by_id.update(
            (thread.pk, thread)
            for thread in Thread.objects.select_related(*_THREAD_RELATED).filter(pk__in=moved)
        )
    return by_id


def _all_found(wanted: dict[int, Thread], found: dict) -> None:
    if len(found) != len(wanted):
        raise Thread.DoesNotExist(f"threads {sorted(set(wanted) - set(found))}")


def _has_related(thread: Thread) -> bool:
    if not (Thread.board.is_cached(thread) and Thread.author.is_cached(thread)):
        return False
    board, author = thread.board, thread.author
    return (
        Board.event.is_cached(board)
        and Board.session.is_cached(board)
        and get_user_model().profile.is_cached(author)
    )


def _write(written: list[tuple[Post, PostDraft]]) -> None:
    posts = [post for post, _draft in written]
    Post.objects.bulk_create(posts)
    files = Attachment.objects.bulk_create(
        [
            Attachment(
                post=post,
                filename=item.filename,
                content_type=item.content_type,
                size=item.size,
                path=item.path,
                is_inline_safe=item.is_inline_safe,
            )
            for post, draft in written
            for item in draft.attachments
        ]
    )
    for post in posts:
        # The post as complete for its subscribers: no query for its files.
        post.prefetched_attachments = [file for file in files if file.post is post]
    last = {post.thread_id: post for post in posts}  # in order: the last one wins
    for pk, post in last.items():
        # One UPDATE per thread: Django's bulk_update costs more CPU than these.
        thread = post.thread
        thread.last_post_at, thread.last_post = post.created_at, post
        Thread.objects.filter(pk=pk).update(
            post_count=thread.post_count, last_post_at=post.created_at, last_post=post
        )
    # Each author has read each thread up to their last post in it (the threads are
    # locked: no later post exists whose number this would lower).
    marks = {(post.author_id, post.thread_id): post.number for post in posts}
    ReadMark.objects.bulk_create(
        [
            ReadMark(user_id=user_id, thread_id=thread_id, last_read_number=number)
            for (user_id, thread_id), number in marks.items()
        ],
        update_conflicts=True,
        unique_fields=["user", "thread"],
        update_fields=["last_read_number"],
    )
    posts_written(posts)
    # Each post comes with its thread as now written (board, session and author
    # loaded): the subscribers inside this transaction write from it, the live push
    # after commit renders from it instead of reading the rows again.
    for post, draft in written:
        # Whether it came through a bridge (not kept: mailbridge relays the others).
        post.via_bridge = draft.bridged
    for post in posts:
        events.publish("post_created", post_id=post.pk, new_thread=post.number == 1, post=post)
