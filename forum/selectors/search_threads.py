"""Search results one entry per thread, as Discourse shows them: each thread once,
ranked by its best matching post, with its best matching posts under it.

Counted and sliced in the database: a page asks for its threads (grouped), then for
the matching posts of those threads only, whatever the number of matches."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Count, F, Max, Window
from django.db.models.functions import RowNumber

from forum.models import Post, Thread

POSTS_PER_THREAD = 3


@dataclass
class ThreadHit:
    thread: Thread
    match_count: int
    posts: list[Post] = field(default_factory=list)


class ThreadResults(Sequence):
    ordered = True  # for Paginator

    def __init__(self, posts, decorate, *, ranked: bool):
        self._posts = posts
        self._decorate = decorate
        self._ranked = ranked

    def _groups(self):
        best = Max("rank") if self._ranked else Max("created_at")
        return (
            self._posts.order_by()
            .values("thread_id")
            .annotate(best=best, latest=Max("created_at"), matches=Count("pk"))
            .order_by("-best", "-latest", "-thread_id")
        )

    def count(self) -> int:
        return self._posts.order_by().values("thread_id").distinct().count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            if index < 0:
                index += len(self)
            hits = self[index : index + 1]
            if not hits:
                raise IndexError(index)
            return hits[0]
        groups = list(self._groups()[index])
        ids = [group["thread_id"] for group in groups]
        threads = Thread.objects.select_related("board__session").in_bulk(ids)
        hits = {
            group["thread_id"]: ThreadHit(threads[group["thread_id"]], group["matches"])
            for group in groups
        }
        best_first = F("rank").desc() if self._ranked else F("created_at").desc()
        shown = (
            self._posts.filter(thread_id__in=ids)
            .annotate(
                place=Window(
                    RowNumber(),
                    partition_by=[F("thread_id")],
                    order_by=[best_first, F("pk").desc()],
                )
            )
            .filter(place__lte=POSTS_PER_THREAD)
        )
        for post in shown:
            self._decorate(post)
            hits[post.thread_id].posts.append(post)
        return [hits[pk] for pk in ids]
