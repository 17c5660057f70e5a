"""Two threads made one: the posts of one thread moved to the end of another.

A bridged list's message can arrive before the message it answers (lists deliver
out of order, a copy is held for moderation on the list's side): it opens a thread
of its own, then, when the message it answers arrives, joins that thread
(mailbridge.bridge.threading). The same move serves whatever else joins threads.
"""

from __future__ import annotations

from django.db import transaction

from forum.models import Follow, Post, Thread
from forum.page_cache import board_scope, invalidate, thread_scope


@transaction.atomic
def thread_merge(*, source: Thread, into: Thread, answering: Post | None = None) -> Thread:
    """Move every post of `source` after those of `into`, in their order, the first
    answering `answering` (a post of `into`) when it answered none; follows of
    `source` follow `into` (unless the person already chose for it); `source`
    goes. Returns `into` as now written."""
    if source.pk == into.pk:
        return into
    locked = {
        thread.pk: thread
        for thread in Thread.objects.select_for_update()
        .select_related("board")
        .filter(pk__in=[source.pk, into.pk])
        .order_by("pk")
    }
    source, into = locked[source.pk], locked[into.pk]
    posts = list(Post.objects.filter(thread=source).order_by("number"))
    for offset, post in enumerate(posts, start=1):
        post.thread = into
        post.number = into.post_count + offset
        if offset == 1 and post.in_reply_to_id is None and answering is not None:
            post.in_reply_to = answering
    Post.objects.bulk_update(posts, ["thread", "number", "in_reply_to"])
    into.post_count += len(posts)
    if posts and source.last_post_at >= into.last_post_at:
        into.last_post_at, into.last_post = source.last_post_at, source.last_post
    into.save(update_fields=["post_count", "last_post_at", "last_post"])
    chosen = Follow.objects.filter(thread=into).values("user_id")
    Follow.objects.filter(thread=source).exclude(user_id__in=chosen).update(thread=into)
    source_scopes = [thread_scope(source.pk), board_scope(source.board.slug)]
    source.delete()
    transaction.on_commit(
        lambda: invalidate([*source_scopes, thread_scope(into.pk), board_scope(into.board.slug)])
    )
    return into
