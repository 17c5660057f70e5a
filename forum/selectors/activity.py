"""What happens across the boards: per board its numbers and latest activity, the
latest threads of the event, and the threads a reader has not read to the end.

Each read is a fixed number of queries whatever the number of boards and threads:
counts are aggregated by the database, the latest thread of each board is picked by
a window function, and a reader's unread posts come from a join with their read marks
(absent mark: nothing of the thread read)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, FilteredRelation, Q, Sum, Value, Window
from django.db.models.functions import Coalesce, Greatest, RowNumber

from forum.models import Board, Thread


@dataclass
class BoardActivity:
    """What the index shows of one board."""

    board: Board
    thread_count: int = 0
    post_count: int = 0
    unread_count: int = 0
    unread_threads: int = 0
    latest: Thread | None = None


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def _with_unread(threads, user):
    """`threads` with `unread`: how many of each thread's posts `user` has not read."""
    return threads.annotate(
        mark=FilteredRelation("read_marks", condition=Q(read_marks__user=user)),
    ).annotate(
        unread=Greatest(F("post_count") - Coalesce(F("mark__last_read_number"), Value(0)), 0)
    )


def boards_activity(*, boards: list[Board], user) -> list[BoardActivity]:
    """Each board of `boards` with its threads' and posts' numbers, its latest thread
    (with its last post and author) and, for a signed-in reader, what they have not
    read: two queries, three for a signed-in reader."""
    found = {board.pk: BoardActivity(board=board) for board in boards}
    if not found:
        return []
    threads = Thread.objects.filter(board_id__in=list(found))
    totals = threads.values("board_id").annotate(
        threads=Count("pk"), posts=Coalesce(Sum("post_count"), 0)
    )
    for row in totals.order_by():
        activity = found[row["board_id"]]
        activity.thread_count, activity.post_count = row["threads"], row["posts"]
    if _signed_in(user):
        unread = (
            _with_unread(threads, user)
            .values("board_id")
            .annotate(posts=Sum("unread"), threads=Count("pk", filter=Q(unread__gt=0)))
        )
        for row in unread.order_by():
            activity = found[row["board_id"]]
            activity.unread_count, activity.unread_threads = row["posts"] or 0, row["threads"]
    latest = (
        threads.select_related("last_post__author__profile")
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("board_id")],
                order_by=[F("last_post_at").desc(), F("pk").desc()],
            )
        )
        .filter(rank=1)
    )
    for thread in latest:
        found[thread.board_id].latest = thread
    return list(found.values())


def threads_latest(*, event, user):
    """The threads of `event` that `user` may read, latest activity first, with their
    board, author and last post's author (and `unread` for a signed-in reader)."""
    threads = (
        Thread.objects.visible_to(user)
        .filter(board__event=event)
        .select_related("board", "author__profile", "last_post__author__profile")
        .order_by("-last_post_at", "-pk")
    )
    if _signed_in(user):
        threads = _with_unread(threads, user)
    return threads


def threads_unread(*, event, user):
    """The threads of `event` where `user` has posts left to read, latest first."""
    return threads_latest(event=event, user=user).filter(unread__gt=0)
