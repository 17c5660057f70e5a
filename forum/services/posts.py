"""Threads and single posts as people submit them, and edits.

`thread_create` opens a thread with its first post, `post_add` writes one reply:
each writes one draft with forum.services.posting.posts_create, the one road of
every post, in a transaction of its own (or a savepoint in the caller's), and
answers a double submit (the same `submission_key` from the same author) with what
the first submit made. Refusals are raised.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TypeVar

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from forum import events
from forum.errors import EditWindowClosed, NotAllowed, UserError
from forum.models import Board, Post, PostRevision, PostSource, Thread
from forum.permissions import can_moderate, can_post, can_take_bridged
from forum.rendering import markdown_to_html
from forum.services.posting import (
    AttachmentDraft,
    PostDraft,
    Refusal,
    clean_body,
    posts_create,
)

Written = TypeVar("Written")

TITLE_MAX = 200


def _clean_title(title: str, *, required: str = "") -> str:
    """The title, its blanks collapsed; UserError when empty (`required`, else the
    thread's wording) or over TITLE_MAX."""
    title = " ".join((title or "").split())
    if not title:
        raise UserError(required or _("Donnez un titre au fil."), code="title_required")
    if len(title) > TITLE_MAX:
        raise UserError(
            _("Le titre ne doit pas dépasser %(max)d caractères (il en a %(length)d).")
            % {"max": TITLE_MAX, "length": len(title)},
            code="title_too_long",
        )
    return title


def thread_create(
    *,
    board: Board,
    author,
    title: str,
    body: str,
    source: str = PostSource.WEB,
    submission_key: str = "",
    message_id: str = "",
    attachments: Sequence[AttachmentDraft] = (),
    savepoint: bool = True,
    acting=None,
    bridged: bool = False,
) -> Thread:
    """Open a thread in `board` with its first post; returns the thread as now
    written, its first post as `last_post`.

    The same `submission_key` from the same author (a double submit) returns the
    thread made the first time instead of a second one. `savepoint` as for post_add.
    `acting`: whose rights are checked when `author` is not the person writing (an
    anonymous testimony, shown under a shared name). `bridged`: it came through a
    bridge to the network's own list (forum.permissions.can_take_bridged).
    """

    def write() -> Thread:
        allowed = can_take_bridged(board) if bridged else can_post(acting or author, board)
        if not allowed:
            raise NotAllowed(_("Vous ne pouvez pas écrire dans ce forum."), code="cannot_post")
        cleaned_title, cleaned_body = _clean_title(title), clean_body(body)
        thread = Thread.objects.create(
            board=board, title=cleaned_title, author=author, last_post_at=timezone.now()
        )
        draft = PostDraft(
            thread=thread,
            author=author,
            body=cleaned_body,
            source=source,
            message_id=message_id,
            submission_key=submission_key,
            attachments=attachments,
            acting=acting,
            bridged=bridged,
        )
        post = _posted(posts_create(drafts=[draft])[0])
        events.publish("thread_created", thread_id=thread.pk)
        return post.thread

    with transaction.atomic(savepoint=savepoint):
        return _once(author=author, key=submission_key, write=write, made=lambda p: p.thread)


def post_add(*, draft: PostDraft, savepoint: bool = True) -> Post:
    """Write one reply (posts_create with one draft); returns the post.

    Raises the refusal: NotAllowed (a person who may not write in the board),
    ThreadLocked (moderators excepted), UserError (an empty or oversized body, an
    answered post of another thread). A repeated `submission_key` returns the post
    made the first time.

    Called inside a transaction of the caller's, the post is written under a
    savepoint, so that a refusal leaves the caller's transaction usable. A caller
    whose transaction is rolled back whole when this raises (the mail pipeline's
    create_post step) passes `savepoint=False` and saves its two round trips.
    """
    with transaction.atomic(savepoint=savepoint):
        return _once(
            author=draft.author,
            key=draft.submission_key,
            write=lambda: _posted(posts_create(drafts=[draft])[0]),
            made=lambda post: post,
        )


def _once(
    *, author, key: str, write: Callable[[], Written], made: Callable[[Post], Written]
) -> Written:
    """`write()`, unless `author` has submitted `key` already (a double submit): then
    `made(the post written the first time)`. Two submits racing each other meet at the
    post's unique key: the second is rolled back to a savepoint and answered alike."""
    if not key:
        return write()
    existing = Post.objects.filter(author=author, submission_key=key).first()
    if existing is not None:
        return made(existing)
    try:
        with transaction.atomic():
            return write()
    except IntegrityError:
        existing = Post.objects.filter(author=author, submission_key=key).first()
        if existing is None:
            raise
        return made(existing)


def _posted(result: Post | Refusal) -> Post:
    if isinstance(result, Post):
        return result
    raise result


def _edit_window() -> timedelta:
    return timedelta(minutes=settings.INTERCOOP_EDIT_WINDOW_MINUTES)


def edit_window_end(post: Post) -> datetime:
    """When the author of `post` can no longer edit it (moderators always can)."""
    return post.created_at + _edit_window()


def can_edit(user, post: Post, *, moderator: bool | None = None) -> bool:
    """Authors within the edit window, moderators at any time.

    A page showing many posts passes `moderator` (decided once for the board), so
    asking for each post costs no query.
    """
    if not getattr(user, "is_authenticated", False):
        return False
    if moderator is None:
        moderator = can_moderate(user, post.thread.board)
    if moderator:
        return True
    return post.author_id == user.pk and timezone.now() <= edit_window_end(post)


@transaction.atomic
def post_edit(*, post: Post, editor, body: str) -> Post:
    """Replace a post's body, keeping the previous version for moderators.

    Authors edit within INTERCOOP_EDIT_WINDOW_MINUTES; moderators at any time.
    """
    post = Post.objects.select_for_update().select_related("thread__board__event").get(pk=post.pk)
    if not can_edit(editor, post):
        if post.author_id == getattr(editor, "pk", None):
            raise EditWindowClosed(_("Le délai pour modifier ce message est passé."))
        raise NotAllowed(_("Vous ne pouvez pas modifier ce message."), code="cannot_edit")
    body = clean_body(body)
    if body == post.body_markdown:
        return post
    PostRevision.objects.create(post=post, body_markdown=post.body_markdown, edited_by=editor)
    post.body_markdown = body
    post.body_html = markdown_to_html(body)
    post.body_text = body
    post.edited_at = timezone.now()
    post.save(update_fields=["body_markdown", "body_html", "body_text", "edited_at"])
    events.publish("post_edited", post_id=post.pk)
    return post
