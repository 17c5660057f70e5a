"""The daily digest: once a day, per board, the new posts for those who chose it.

Who gets a digest for a board, and of which threads (the level that applies is the
one forum.selectors.follow_level_for gives: the thread's own follow, else the
board's):

- a person whose board follow is DIGEST gets every thread of the board, except the
  threads they follow at another level (EMAIL: already mailed one by one; WEB or
  MUTED: no mail);
- a person who follows a thread at DIGEST gets that thread, whatever the board says.

The period runs from the end of the person's previous digest of that board (its
payload's period_end) to a minute before now: a post written in that last minute
may still be committing and goes in tomorrow's digest instead of being missed.
Without a previous digest it starts when the person chose their level (the follow's
updated_at), and never more than LOOKBACK ago. Only visible posts (not hidden) of
boards the person may see are included; nobody gets an empty digest.

Delivery.key is "digest:<board slug>:<date in Europe/Paris>", unique per address:
running the task twice on the same day sends nothing more.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from forum.models import Board, Follow, FollowLevel, Post
from mailbridge.listmail import (
    ListIdentity,
    ListMailRenderer,
    absolute_url,
    deliverable_people,
    deliveries_write,
)
from mailbridge.models import Delivery, DeliveryKind

logger = logging.getLogger(__name__)

SETTLE = timedelta(minutes=1)
LOOKBACK = timedelta(days=31)
MAX_POSTS = 300
POST_CHARS = 4000


def digest_key(board: Board, day: date) -> str:
    return f"digest:{board.slug}:{day.isoformat()}"


@dataclass
class _Choice:
    """A person's follows in one board: the board's level and each thread's."""

    board_level: str | None = None
    board_since: datetime | None = None
    threads: dict[int, tuple[str, datetime]] = field(default_factory=dict)

    def level_for(self, thread_id: int) -> str | None:
        if thread_id in self.threads:
            return self.threads[thread_id][0]
        return self.board_level

    def since_for(self, thread_id: int) -> datetime | None:
        if thread_id in self.threads:
            return self.threads[thread_id][1]
        return self.board_since

    @property
    def wants_digest(self) -> bool:
        return self.board_level == FollowLevel.DIGEST or any(
            level == FollowLevel.DIGEST for level, _ in self.threads.values()
        )


def digests_write(*, now: datetime | None = None) -> int:
    """Write today's digest deliveries for every board; returns how many.

    The digests are rendered first, outside any transaction (reads only), then
    every row is written in one short transaction: on SQLite the write lock is
    held for the inserts, not for the rendering. The sender is woken once they
    are committed.
    """
    now = now or timezone.now()
    day = timezone.localdate(now)
    pending = [
        (board, rows)
        for board in Board.objects.select_related("session", "event").order_by("pk")
        if (rows := board_digest_rows(board=board, day=day, now=now))
    ]
    with transaction.atomic():
        written = sum(
            deliveries_write(
                kind=DeliveryKind.DIGEST, key=digest_key(board, day), board=board, rows=rows
            )
            for board, rows in pending
        )
    logger.info("daily digests of %s: %d written", day, written)
    return written


def board_digest_rows(*, board: Board, day: date, now: datetime) -> list[tuple]:
    """(person, payload) of each digest of `board` due on `day`."""
    key = digest_key(board, day)
    choices = _choices(board)
    wanting = {user_id for user_id, choice in choices.items() if choice.wants_digest}
    already = set(
        Delivery.objects.filter(key=key, recipient_id__in=wanting).values_list(
            "recipient_id", flat=True
        )
    )
    people = deliverable_people(board=board, user_ids=wanting - already)
    if not people:
        return []
    period_end = now - SETTLE
    floor = now - LOOKBACK
    previous = _previous_period_ends(board, [person.pk for person in people], floor)
    posts = list(
        Post.objects.visible()
        .filter(thread__board=board, created_at__gt=floor, created_at__lte=period_end)
        .select_related("thread", "author__profile")
        .order_by("created_at", "pk")
    )
    if not posts:
        return []
    renderer = ListMailRenderer("digest", board)
    rows = []
    for person in people:
        choice = choices[person.pk]
        start = previous.get(person.pk)
        chosen = [
            post
            for post in posts
            if choice.level_for(post.thread_id) == FollowLevel.DIGEST
            and post.created_at > (start or max(choice.since_for(post.thread_id), floor))
        ]
        if not chosen:
            continue
        payload = renderer.render(
            person, _context(board, day, chosen), content_key=tuple(p.pk for p in chosen)
        )
        payload.update(
            {
                "period_start": (start or chosen[0].created_at).isoformat(),
                "period_end": period_end.isoformat(),
                "post_ids": [post.pk for post in chosen],
            }
        )
        rows.append((person, payload))
    return rows


def _choices(board: Board) -> dict[int, _Choice]:
    choices: dict[int, _Choice] = defaultdict(_Choice)
    follows = Follow.objects.filter(Q(board=board) | Q(thread__board=board)).values_list(
        "user_id", "thread_id", "level", "updated_at"
    )
    for user_id, thread_id, level, updated_at in follows:
        if thread_id is None:
            choices[user_id].board_level = level
            choices[user_id].board_since = updated_at
        else:
            choices[user_id].threads[thread_id] = (level, updated_at)
    return choices


def _previous_period_ends(board: Board, user_ids: list[int], floor: datetime) -> dict:
    """user id → end of their latest digest of `board` since `floor`."""
    ends = {}
    rows = (
        Delivery.objects.filter(
            kind=DeliveryKind.DIGEST,
            key__startswith=f"digest:{board.slug}:",
            recipient_id__in=user_ids,
            created_at__gt=floor,
        )
        .order_by("created_at", "pk")
        .values_list("recipient_id", "payload")
    )
    for user_id, payload in rows:
        end = parse_datetime((payload or {}).get("period_end") or "")
        if end is not None:
            ends[user_id] = end
    return ends


def _context(board: Board, day: date, posts: list[Post]) -> dict:
    shown = posts[:MAX_POSTS]
    by_thread: dict[int, list[Post]] = defaultdict(list)
    for post in shown:
        by_thread[post.thread_id].append(post)
    return {
        "board": board,
        "list": ListIdentity.for_board(board),
        "day": day,
        "post_count": len(posts),
        "thread_count": len({post.thread_id for post in posts}),
        "more_count": len(posts) - len(shown),
        "board_url": absolute_url(board),
        "threads": [
            {
                "thread": thread_posts[0].thread,
                "url": absolute_url(thread_posts[0].thread),
                "posts": [_post_entry(post) for post in thread_posts],
            }
            for thread_posts in by_thread.values()
        ],
    }


def _post_entry(post: Post) -> dict:
    text = post.body_text
    truncated = len(text) > POST_CHARS
    return {
        "post": post,
        "url": absolute_url(post),
        "text": text[:POST_CHARS].rstrip() if truncated else text,
        "truncated": truncated,
    }
