"""Unread tracking: how far each person has read each thread.

Read marks are written in bulk (no model signals): each write here replaces the
person's `reads:<id>` token itself, so that their cached thread and board pages show
where they are (the "nouveaux messages" mark, the unread counts: forum.page_cache)."""

from __future__ import annotations

from django.db import transaction

from forum import page_cache
from forum.models import Board, ReadMark, Thread


def thread_mark_read(*, user, thread: Thread, number: int) -> None:
    """Record that `user` has read `thread` up to post `number` (never goes back)."""
    if not getattr(user, "is_authenticated", False):
        return
    updated = ReadMark.objects.filter(user=user, thread=thread, last_read_number__lt=number).update(
        last_read_number=number
    )
    if not updated:
        # No mark yet (or already further): one INSERT that a mark already there
        # ignores, instead of get_or_create's SELECT, savepoint and INSERT.
        ReadMark.objects.bulk_create(
            [ReadMark(user=user, thread=thread, last_read_number=number)], ignore_conflicts=True
        )
    page_cache.invalidate([page_cache.reads_scope(user.pk)])


@transaction.atomic
def board_mark_all_read(*, user, board: Board) -> int:
    """Mark every thread of the board read; returns how many threads were behind."""
    threads = list(board.threads.values_list("pk", "post_count"))
    marks = dict(
        ReadMark.objects.filter(user=user, thread__board=board).values_list(
            "thread_id", "last_read_number"
        )
    )
    behind = [(pk, count) for pk, count in threads if marks.get(pk, 0) < count]
    to_update = []
    to_create = []
    for pk, count in behind:
        if pk in marks:
            to_update.append((pk, count))
        else:
            to_create.append(ReadMark(user=user, thread_id=pk, last_read_number=count))
    for pk, count in to_update:
        ReadMark.objects.filter(user=user, thread_id=pk).update(last_read_number=count)
    ReadMark.objects.bulk_create(to_create, ignore_conflicts=True)
    if behind:
        page_cache.invalidate([page_cache.reads_scope(user.pk)])
    return len(behind)
