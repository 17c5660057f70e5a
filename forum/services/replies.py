"""Many replies at once: post_create's road for a worker holding a chunk of them.

A worker processing the replies the gateway stored together (the mail pipeline's
create_post step, `step_many`) would otherwise write each in a transaction of its
own: seven statements and a commit per reply, a third of its cost. `replies_create`
checks each reply exactly as post_create does (reply_check, under the same lock),
then writes them together: the threads locked in one query (in id order, so that
two workers never wait on each other in a circle), the posts inserted in one
statement, the authors' read marks in one upsert, each thread's counters in an
UPDATE of its own. Each post is then published as post_created, as one from
post_create: the outbox rows are written in the same transaction, the live pushes
after commit.

The caller's transaction holds it all: on a database error the caller rolls back
the whole batch and writes the replies one by one with post_create instead. The
markdown is rendered before the locks are taken, so that they are held only for
the writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from forum import events
from forum.errors import NotAllowed, UserError
from forum.models import Post, PostSource, ReadMark, Thread
from forum.page_cache import board_scope, invalidate, thread_scope
from forum.rendering import markdown_to_html
from forum.services.posts import _THREAD_RELATED, _has_related, clean_body, reply_check


@dataclass
class ReplyDraft:
    """One reply for replies_create: what post_create takes for it."""

    thread: Thread
    author: Any
    body: str
    in_reply_to: Post | None = None
    source: str = PostSource.WEB
    message_id: str = ""


def replies_create(drafts: list[ReplyDraft]) -> list[Post | NotAllowed | UserError]:
    """Add the replies of `drafts`, in order, inside the caller's transaction; for
    each, the post made or the refusal post_create would have raised (NotAllowed,
    ThreadLocked, UserError), so that one refused reply keeps no other back."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("replies_create writes inside the caller's transaction")
    rendered = {}
    for index, draft in enumerate(drafts):
        try:
            body = clean_body(draft.body)
        except UserError:
            continue  # refused below, under the lock, with its message
        rendered[index] = (body, markdown_to_html(body))
    threads = _locked_threads([draft.thread for draft in drafts])
    results: list[Post | NotAllowed | UserError] = []
    posts: list[Post] = []
    for index, draft in enumerate(drafts):
        thread = threads[draft.thread.pk]
        try:
            # The body as cleaned before the locks (reply_check cleans it again: a no-op).
            cleaned = rendered[index][0] if index in rendered else draft.body
            body = reply_check(
                thread=thread, author=draft.author, in_reply_to=draft.in_reply_to, body=cleaned
            )
        except (NotAllowed, UserError) as refusal:
            results.append(refusal)
            continue
        body, html = rendered.get(index) or (body, markdown_to_html(body))
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
        )
        posts.append(post)
        results.append(post)
    if posts:
        _write(posts)
    return results


def _locked_threads(wanted: list[Thread]) -> dict[int, Thread]:
    """The threads, locked in id order, with their counter and lock flag as now
    written; board, event, session and author as the caller had them loaded, or read
    again (with the board of a thread moved since)."""
    by_id = {thread.pk: thread for thread in wanted}
    rows = (
        Thread.objects.select_for_update()
        .filter(pk__in=by_id)
        .order_by("pk")
        .values_list("pk", "post_count", "is_locked", "board_id")
    )
    stale = []
    for pk, post_count, is_locked, board_id in rows:
        thread = by_id[pk]
        if not _has_related(thread) or thread.board_id != board_id:
            stale.append(pk)
        thread.post_count, thread.is_locked = post_count, bool(is_locked)
    if len(rows) != len(by_id):
        raise Thread.DoesNotExist(f"threads {sorted(set(by_id) - {row[0] for row in rows})}")
    if stale:
        by_id.update(
            {
                thread.pk: thread
                for thread in Thread.objects.select_related(*_THREAD_RELATED).filter(pk__in=stale)
            }
        )
    return by_id


def _write(posts: list[Post]) -> None:
    now = timezone.now()
    Post.objects.bulk_create(posts)
    threads = {post.thread_id: post.thread for post in posts}
    last = {post.thread_id: post for post in posts}  # in order: the last one wins
    for pk, thread in threads.items():
        # One UPDATE per thread: Django's bulk_update costs more CPU than these.
        thread.last_post_at, thread.last_post = now, last[pk]
        Thread.objects.filter(pk=pk).update(
            post_count=thread.post_count, last_post_at=now, last_post=last[pk]
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
    # What post_save would have said of each post (forum.page_invalidation).
    invalidate(
        [
            scope
            for t in threads.values()
            for scope in (thread_scope(t.pk), board_scope(t.board.slug))
        ]
    )
    for post in posts:
        events.publish("post_created", post_id=post.pk, new_thread=False, post=post)
