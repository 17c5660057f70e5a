"""A list's archive written into a board: many messages at once, with their dates.

`archive_posts_write` opens the threads of a batch in one statement and writes its
posts with forum.services.posting.posts_create (the one write core of posts), as
`PostSource.IMPORT`: mailbridge's outbox and realtime's pushes pass over such posts,
so an import mails no one and floods no live page. A draft may answer a post
already written (`parent`) or an earlier draft of the same batch (`parent_index`):
posts_create writes a batch in one INSERT, so those answers are set just after.

While an import runs, its board is read by its moderators only: `board_import_hold`
sets `Board.import_until` a little ahead (forum.models.visibility, fact `settled`),
the import renews it as it goes and `board_import_release` clears it. An import
that crashed renews it no more: the board is shown again when the lease lapses,
IMPORT_LEASE later at most, as it was before (its other rules never changed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.utils import timezone

from forum.models import Board, Post, PostSource, Thread
from forum.page_cache import SITE, invalidate
from forum.services.posting import AttachmentDraft, PostDraft, Refusal, posts_create
from forum.services.posts import TITLE_MAX

IMPORT_LEASE = timedelta(minutes=2)


@dataclass
class ArchiveDraft:
    """One message of an archive: a new thread titled `title`, unless it answers
    `parent` (a post written before) or the draft at `parent_index` in its batch."""

    author: object
    title: str
    body: str
    created_at: datetime
    message_id: str
    attachments: Sequence[AttachmentDraft] = ()
    parent: Post | None = None
    parent_index: int | None = None
    html: str = ""  # as PostDraft.html


def archive_posts_write(*, board: Board, drafts: Sequence[ArchiveDraft]) -> list[Post | Refusal]:
    """Write `drafts` (in their order: a draft answers earlier ones only) into
    `board`, inside the caller's transaction; for each, its post or its refusal.
    An answer to a refused draft opens no thread: it joins its parent's thread,
    answering nothing."""
    threads: list[Thread] = []
    opened: list[Thread] = []
    for index, draft in enumerate(drafts):
        if draft.parent is not None:
            threads.append(draft.parent.thread)
        elif draft.parent_index is not None:
            if not 0 <= draft.parent_index < index:
                raise ValueError(f"draft {index} answers draft {draft.parent_index}")
            threads.append(threads[draft.parent_index])
        else:
            title = " ".join((draft.title or "").split())[:TITLE_MAX] or "…"
            thread = Thread(
                board=board,
                title=title,
                author=draft.author,
                created_at=draft.created_at,
                last_post_at=draft.created_at,
            )
            threads.append(thread)
            opened.append(thread)
    Thread.objects.bulk_create(opened)
    results = posts_create(
        drafts=[
            PostDraft(
                thread=thread,
                author=draft.author,
                body=draft.body,
                in_reply_to=draft.parent,
                source=PostSource.IMPORT,
                message_id=draft.message_id,
                attachments=draft.attachments,
                bridged=True,
                created_at=draft.created_at,
                html=draft.html,
            )
            for draft, thread in zip(drafts, threads, strict=True)
        ]
    )
    answers = []
    for draft, result in zip(drafts, results, strict=True):
        if draft.parent_index is None or not isinstance(result, Post):
            continue
        parent = results[draft.parent_index]
        if isinstance(parent, Post):
            result.in_reply_to = parent
            answers.append((result.pk, parent.pk))
    _answers_set(answers)
    empty = [thread.pk for thread in opened if not thread.post_count]
    if empty:
        Thread.objects.filter(pk__in=empty, post_count=0).delete()
    return results


def _answers_set(answers: list[tuple[int, int]]) -> None:
    """Each (post, the post it answers) written in one UPDATE per 500: Django's
    bulk_update, a CASE per row, cost as much CPU as the batch's INSERTs."""
    table = connection.ops.quote_name(Post._meta.db_table)
    column = connection.ops.quote_name(Post._meta.get_field("in_reply_to").column)
    for start in range(0, len(answers), 500):
        chunk = answers[start : start + 500]
        values = ", ".join(["(%s, %s)"] * len(chunk))
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH answers(post, parent) AS (VALUES {values}) "  # noqa: S608 - names only
                f"UPDATE {table} SET {column} = answers.parent "
                f"FROM answers WHERE {table}.id = answers.post",
                [number for pair in chunk for number in pair],
            )


def board_import_hold(*, board: Board, renew: bool = False) -> datetime:
    """Hide `board` from its non-moderators for IMPORT_LEASE more; renewed by the
    import as it goes (`renew`: the pages hid it already). Returns the lease's end."""
    until = timezone.now() + IMPORT_LEASE
    Board.objects.filter(pk=board.pk).update(import_until=until)
    board.import_until = until
    if not renew:
        invalidate([SITE])  # every page that lists or shows the board
    return until


def board_import_release(*, board: Board) -> None:
    """The import is over: `board` is read as before it began."""
    Board.objects.filter(pk=board.pk).update(import_until=None)
    board.import_until = None
    invalidate([SITE])


def board_importing(board: Board) -> bool:
    """Whether an import holds `board` now (its lease not lapsed)."""
    until = board.import_until
    return until is not None and until > timezone.now()
