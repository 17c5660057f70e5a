"""Reading boards, threads and posts, with what the reader may see and has read."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q, Subquery

from forum.models import (
    Board,
    Follow,
    FollowLevel,
    NetworkStatus,
    Post,
    ReadMark,
    Thread,
    ThreadShare,
)
from forum.models.board import BoardKind
from forum.models.visibility import is_private
from forum.permissions import can_moderate


def boards_for_event(*, event, user) -> list[Board]:
    """The boards of `event` that `user` may read, in one query."""
    return list(
        Board.objects.filter(event=event).visible_to(user).select_related("session", "event")
    )


# One row by a unique key: get() asks without ORDER BY. filter().first() ordered by
# the model's ordering, and Django compiling the ORDER BY of a query with this many
# joined columns cost more than the query itself (docs/benchmarks.md, "Web pages").


def board_by_slug(*, slug: str) -> Board | None:
    try:
        return Board.objects.select_related("session__event", "event", "network").get(slug=slug)
    except Board.DoesNotExist:
        return None


def board_for_list(*, slug: str) -> Board | None:
    """The board whose list address is `<slug>@`: a session's, or an approved
    network's (their slugs are one name space: forum.models.list_slug_conflict)."""
    lists = Q(session__slug__iexact=slug, kind=BoardKind.SESSION) | Q(
        network__slug__iexact=slug, network__status=NetworkStatus.APPROVED
    )
    return Board.objects.select_related("session", "event", "network").filter(lists).first()


def boards_sharing_openly(*, thread: Thread) -> list[int]:
    """The boards `thread` is shared to whose every reader may read it: all of them
    when its home board is open, none when it is private (a private session's
    thread is listed elsewhere only to the readers of its home, each on their own
    page; a push to a board's live readers would reach the others)."""
    if is_private(thread.board.session):
        return []
    return list(
        ThreadShare.objects.filter(thread_id=thread.pk)
        .order_by("board_id")
        .values_list("board_id", flat=True)
    )


def thread_for_stream(*, pk: int) -> Thread | None:
    """The thread with what deciding who may follow it live reads (its board, session
    and event), and nothing it shows: joining a live page runs this once per socket."""
    try:
        return Thread.objects.select_related("board__event", "board__session").get(pk=pk)
    except Thread.DoesNotExist:
        return None


def thread_by_id(*, pk: int) -> Thread | None:
    try:
        return Thread.objects.select_related(
            "board__event", "board__session", "author__profile"
        ).get(pk=pk)
    except Thread.DoesNotExist:
        return None


def threads_for_board(*, board: Board, user=None):
    """Newest activity first, pinned threads on top, with what the list shows: the
    board's own threads and those shared to it that `user` may read (a shared thread
    is read by its home board's rule, forum.models.visibility)."""
    own = Q(board=board)
    shared = ThreadShare.objects.filter(board=board).values("thread")
    threads = Thread.objects.filter(own | Q(pk__in=Subquery(shared)))
    if ThreadShare.objects.filter(board=board).exists():
        threads = threads.filter(own | Q(pk__in=Thread.objects.visible_to(user).values("pk")))
    return threads.select_related(
        "board", "author__profile", "last_post__author__profile"
    ).order_by("-is_pinned", "-last_post_at", "-pk")


def unread_numbers(*, user, threads) -> dict[int, int]:
    """thread id → number of the last post `user` has read (0 when never opened)."""
    if not getattr(user, "is_authenticated", False):
        return {}
    ids = [thread.pk for thread in threads]
    return dict(
        ReadMark.objects.filter(user=user, thread_id__in=ids).values_list(
            "thread_id", "last_read_number"
        )
    )


def read_position(*, user, thread_id: int) -> int:
    """The number of the last post of the thread `user` has read (0 when never opened)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    # Unique per person and thread: no ORDER BY, no LIMIT needed.
    found = ReadMark.objects.filter(user=user, thread_id=thread_id).values_list(
        "last_read_number", flat=True
    )
    return next(iter(found), 0)


def posts_page(
    *,
    thread: Thread,
    user,
    page_number=1,
    around_post: int | None = None,
    moderator: bool | None = None,
    light: bool = False,
):
    """One page of a thread's posts, in a fixed number of queries.

    Hidden posts stay in place (the conversation keeps its shape) and are shown as
    hidden, with their text only to moderators. `around_post` picks the page
    holding that post. A page that already knows whether `user` moderates the
    board passes `moderator`, which spares asking again. `light`: only what the
    per-reader part of a post needs (LIGHT_FIELDS), for a page taking the rest from
    forum.post_fragments, which asks `posts_full` for the posts it must render.
    """
    if moderator is None:
        moderator = can_moderate(user, thread.board)
    if light:
        posts = Post.objects.filter(thread=thread).only(*LIGHT_FIELDS).order_by("number")
    else:
        posts = _full_posts(moderator).filter(thread=thread).order_by("number")
    paginator = Paginator(posts, settings.INTERCOOP_POSTS_PER_PAGE)
    if around_post is not None:
        number = (
            Post.objects.filter(thread=thread, pk=around_post)
            .values_list("number", flat=True)
            .first()
        )
        if number:
            page_number = (number - 1) // settings.INTERCOOP_POSTS_PER_PAGE + 1
    return paginator.get_page(page_number)


# What forum/_post.html reads around the shared part of a post, and what decides
# which shared part it is (forum.post_fragments): no related rows.
LIGHT_FIELDS = (
    "id",
    "thread_id",
    "number",
    "author_id",
    "in_reply_to_id",
    "created_at",
    "edited_at",
    "is_hidden",
)


def _full_posts(moderator: bool):
    posts = Post.objects.select_related(
        "author__profile__network", "in_reply_to__author__profile", "hidden_by__profile"
    ).prefetch_related(
        # A plain list per post (Post.shown_attachments): the default prefetch builds
        # a filtered queryset for each post, which cost more than the query.
        Prefetch("attachments", to_attr="prefetched_attachments")
    )
    if moderator:
        posts = posts.prefetch_related(Prefetch("revisions", queryset=_revisions_queryset()))
    return posts


def posts_full(pks, *, moderator: bool) -> dict:
    """The posts `pks` with everything their shared part shows, by pk, in one query
    (and its prefetches)."""
    return {post.pk: post for post in _full_posts(moderator).filter(pk__in=list(pks))}


def _revisions_queryset():
    from forum.models import PostRevision

    return PostRevision.objects.select_related("edited_by__profile").order_by("-replaced_at")


def follow_level_for(*, user, board: Board, thread: Thread | None = None) -> str:
    """The level that applies: the thread's own choice, else the board's, else web."""
    if not getattr(user, "is_authenticated", False):
        return FollowLevel.WEB
    # Both choices in one query: a follow is of a board or of a thread, never both.
    wanted = Q(board=board, thread=None)
    if thread is not None:
        wanted |= Q(thread=thread)
    levels = dict(Follow.objects.filter(wanted, user=user).values_list("thread_id", "level"))
    if thread is not None and thread.pk in levels:
        return levels[thread.pk]
    return levels.get(None, FollowLevel.WEB)
