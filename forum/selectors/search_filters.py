"""What a search may be narrowed to: a board, an author (by name), a period, and the
road the posts came by (« source : courriel/web »)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import F, Func, Value
from django.utils import timezone

from forum.models import PostSource

SOURCES = (PostSource.WEB, PostSource.EMAIL)


@dataclass(frozen=True)
class SearchFilters:
    board: str = ""
    author: str = ""
    since: date | None = None
    until: date | None = None
    source: str = ""

    def any(self) -> bool:
        return bool(self.board or self.author or self.since or self.until or self.source)

    def apply(self, posts):
        """`posts` narrowed to what the filters keep."""
        if self.board:
            posts = posts.filter(thread__board__slug=self.board)
        if self.source in SOURCES:
            posts = posts.filter(source=self.source)
        if self.since:
            posts = posts.filter(created_at__gte=_start_of(self.since))
        if self.until:
            posts = posts.filter(created_at__lt=_start_of(self.until + timedelta(days=1)))
        if self.author:
            posts = _by_author(posts, self.author)
        return posts


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _by_author(posts, name: str):
    """Posts whose author's shown name holds `name`, without case (nor accents on
    SQLite, or on PostgreSQL where the unaccent extension is installed)."""
    name = " ".join(name.split())[:120]
    if connection.vendor == "postgresql":
        from forum.selectors.search import has_unaccent

        if has_unaccent():
            folded = Func(F("author__profile__display_name"), function="unaccent")
            return posts.annotate(author_folded=folded).filter(
                author_folded__icontains=Func(Value(name), function="unaccent")
            )
        return posts.filter(author__profile__display_name__icontains=name)
    from forum.selectors.search import _FOLD_FUNCTION, _ensure_fold_function, fold

    _ensure_fold_function()
    folded = Func(F("author__profile__display_name"), function=_FOLD_FUNCTION)
    return posts.annotate(author_folded=folded).filter(author_folded__contains=fold(name))
