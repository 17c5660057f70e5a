"""Creating threads and posts, and editing posts: the one road every post takes.

Web views, the mail pipeline (source="email") and tasks call these. The write, the
thread's counters and the atomic subscribers (the mail outbox) share one
transaction; live pushes and worker wake-ups run after commit (forum.events).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.compiled_queries import CompiledQuery
from forum import events
from forum.errors import EditWindowClosed, NotAllowed, ThreadLocked, UserError
from forum.models import Board, Post, PostRevision, PostSource, ReadMark, Thread
from forum.permissions import can_moderate, can_post
from forum.rendering import markdown_to_html

TITLE_MAX = 200


def _clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise UserError(_("Donnez un titre au fil."), code="title_required")
    if len(title) > TITLE_MAX:
        raise UserError(
            _("Le titre ne doit pas dépasser %(max)d caractères (il en a %(length)d).")
            % {"max": TITLE_MAX, "length": len(title)},
            code="title_too_long",
        )
    return title


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


def thread_create(
    *,
    board: Board,
    author,
    title: str,
    body: str,
    source: str = PostSource.WEB,
    submission_key: str = "",
    message_id: str = "",
    savepoint: bool = True,
) -> Thread:
    """Open a thread in `board` with its first post; returns the thread.

    The same `submission_key` from the same author (a double submit) returns the
    thread made the first time instead of a second one. `savepoint` as for
    post_create.
    """
    with transaction.atomic(savepoint=savepoint):
        return _thread_create(
            board=board,
            author=author,
            title=title,
            body=body,
            source=source,
            submission_key=submission_key,
            message_id=message_id,
        )


def _thread_create(*, board, author, title, body, source, submission_key, message_id) -> Thread:
    if submission_key:
        existing = Post.objects.filter(author=author, submission_key=submission_key).first()
        if existing is not None:
            return existing.thread
    if not can_post(author, board):
        raise NotAllowed(_("Vous ne pouvez pas écrire dans ce forum."), code="cannot_post")
    title = _clean_title(title)
    body = clean_body(body)
    thread = Thread.objects.create(
        board=board, title=title, author=author, last_post_at=timezone.now()
    )
    post_create(
        thread=thread,
        author=author,
        body=body,
        source=source,
        submission_key=submission_key,
        message_id=message_id,
        savepoint=False,  # inside this function's transaction, which fails with it
        _new_thread=True,
    )
    events.publish("thread_created", thread_id=thread.pk)
    return thread


# The thread's own columns a post changes or depends on, read under lock.
_THREAD_LOCK = CompiledQuery(
    lambda shape, *, thread_id: (
        Thread.objects.select_for_update()
        .filter(pk=thread_id)
        .values_list("post_count", "is_locked", "board_id")
    )
)
_THREAD_RELATED = ("board__event", "board__session", "author__profile")


def _locked(thread: Thread) -> Thread:
    """Lock the thread row: numbers and counters stay consistent under concurrent
    replies. When the caller's thread comes with its board (event, session) and
    author (profile) loaded, as the mail pipeline's chunk lookups read them, only
    its counter and lock flag are read again, with SQL made once per process (making
    the query with its joins cost a fifth of an emailed reply's CPU); otherwise the
    thread is read again with them (of="self": those rows come along unlocked)."""
    if _has_related(thread):
        row = _THREAD_LOCK.rows(thread_id=thread.pk)
        if row and row[0][2] == thread.board_id:
            thread.post_count, thread.is_locked = row[0][0], bool(row[0][1])
            return thread
    return (
        Thread.objects.select_for_update(of=("self",))
        .select_related(*_THREAD_RELATED)
        .get(pk=thread.pk)
    )


def _has_related(thread: Thread) -> bool:
    if not (Thread.board.is_cached(thread) and Thread.author.is_cached(thread)):
        return False
    board, author = thread.board, thread.author
    return (
        Board.event.is_cached(board)
        and Board.session.is_cached(board)
        and get_user_model().profile.is_cached(author)
    )


def post_create(
    *,
    thread: Thread,
    author,
    body: str,
    in_reply_to: Post | None = None,
    source: str = PostSource.WEB,
    submission_key: str = "",
    message_id: str = "",
    savepoint: bool = True,
    _new_thread: bool = False,
) -> Post:
    """Add a post to `thread` (a reply to `in_reply_to` when given); returns it.

    Refuses a person who may not write in the board (NotAllowed), a locked thread
    (ThreadLocked, moderators excepted), an empty or oversized body (UserError).
    A repeated `submission_key` returns the post made the first time.

    Called inside a transaction of the caller's, the post is written under a
    savepoint, so that a refusal leaves the caller's transaction usable. A caller
    whose transaction is rolled back whole when this raises (the mail pipeline's
    create_post step) passes `savepoint=False` and saves its two round trips.
    """
    with transaction.atomic(savepoint=savepoint):
        return _post_create(
            thread=thread,
            author=author,
            body=body,
            in_reply_to=in_reply_to,
            source=source,
            submission_key=submission_key,
            message_id=message_id,
            new_thread=_new_thread,
        )


def reply_check(*, thread: Thread, author, in_reply_to: Post | None, body: str) -> str:
    """The body cleaned, when `author` may add it to `thread` (locked, as read under
    lock); raises the refusal otherwise. Shared by post_create and replies_create."""
    board = thread.board
    if not can_post(author, board):
        raise NotAllowed(_("Vous ne pouvez pas écrire dans ce forum."), code="cannot_post")
    if thread.is_locked and not can_moderate(author, board):
        raise ThreadLocked(_("Ce fil est verrouillé : on ne peut plus y répondre."))
    if in_reply_to is not None and in_reply_to.thread_id != thread.pk:
        raise UserError(_("Le message auquel vous répondez est dans un autre fil."), code="reply")
    return clean_body(body)


def _post_create(
    *, thread, author, body, in_reply_to, source, submission_key, message_id, new_thread
) -> Post:
    if submission_key and not new_thread:
        existing = Post.objects.filter(author=author, submission_key=submission_key).first()
        if existing is not None:
            return existing
    thread = _locked(thread)
    body = reply_check(thread=thread, author=author, in_reply_to=in_reply_to, body=body)
    now = timezone.now()
    try:
        # A savepoint only where a failed insert is recovered from (a double submit
        # racing itself); without a key the error goes up as it is.
        with transaction.atomic(savepoint=bool(submission_key)):
            post = Post.objects.create(
                thread=thread,
                number=thread.post_count + 1,
                author=author,
                in_reply_to=in_reply_to,
                body_markdown=body,
                body_html=markdown_to_html(body),
                body_text=body,
                source=source,
                submission_key=submission_key,
                message_id=message_id,
            )
    except IntegrityError:
        existing = (
            submission_key
            and Post.objects.filter(author=author, submission_key=submission_key).first()
        )
        if existing:
            return existing
        raise
    Thread.objects.filter(pk=thread.pk).update(
        post_count=post.number, last_post_at=now, last_post=post
    )
    thread.post_count, thread.last_post_at, thread.last_post = post.number, now, post
    # The author has read the thread up to their own post (one upsert: the thread is
    # locked, so no later post exists whose number this would lower).
    ReadMark.objects.bulk_create(
        [ReadMark(user=author, thread=thread, last_read_number=post.number)],
        update_conflicts=True,
        unique_fields=["user", "thread"],
        update_fields=["last_read_number"],
    )
    # `post` comes with its thread as now written (board, session and author loaded):
    # the subscribers inside this transaction write from it, the live push after
    # commit renders from it instead of reading the rows again.
    events.publish("post_created", post_id=post.pk, new_thread=new_thread, post=post)
    return post


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
