"""Search over thread titles and post bodies, within what the reader may see.

On PostgreSQL: full-text search with the French configuration, so that
"coopérative" finds "coopératives" (Snowball stemming), ranked (titles weigh more
than bodies). When the `unaccent` extension happens to be installed, document and
query are also stripped of accents ("reseau" finds "réseau"); it is never required.

On SQLite: every word must appear in the title or the body (and no "-word"),
compared without case or accents (a small SQL function folds both sides), a
trailing plural "s"/"x" ignored, words of one or two letters left out when there
are longer ones; newest first.

Either way the result is lazy: counting and slicing run in the database, and only
the posts of the page shown get their passage (`passage_html`, safe HTML whose
only tag is <mark>): cut around the first match from the text a reader reads (the
rendered post, without Markdown markers or quoted passages, forum.rendering).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence

from django.db import connection
from django.db.models import F, Func, Q, Value
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from forum.models import Post, ThreadShare
from forum.rendering import html_to_text
from forum.selectors.search_filters import SearchFilters

QUERY_MAX_CHARS = 200
PASSAGE_CHARS = 220


def search_posts(*, query: str, user, event, board=None, filters: SearchFilters | None = None):
    """Posts of `event` matching `query` that `user` may see, best match first;
    with `board`, only in the threads that board shows (its own and those shared
    to it, still read by their home board's rule).

    A word may be found in the thread's title, the post's text or its author's name.
    Boards the user cannot see (private sessions) are left out; hidden posts are
    only found by those who moderate their board. `filters` narrow the posts
    (forum.selectors.search_filters); an empty query finds nothing, unless filters
    are given: then every post they keep, newest first. Returns a lazy sequence (for
    a Paginator, or `.by_thread()` for one entry per thread); each post taken from it
    carries `passage_html`.
    """
    query = normalise_query(query)
    if not query and not (filters and filters.any()):
        return []
    posts = Post.objects.filter(thread__board__event=event)
    if board is not None:
        shared = ThreadShare.objects.filter(board=board).values("thread")
        posts = Post.objects.filter(Q(thread__board=board) | Q(thread__in=shared))
    posts = posts.visible_to(user).select_related("thread__board", "author__profile")
    if filters is not None:
        posts = filters.apply(posts)
    if not query:
        return SearchResults(posts.order_by("-created_at", "-pk"), lambda post: _decorate(post, []))
    if connection.vendor == "postgresql":
        return _search_postgres(posts, query)
    return _search_folded(posts, query)


def normalise_query(query: str | None) -> str:
    """The query as searched: spaces collapsed, at most QUERY_MAX_CHARS characters."""
    return " ".join((query or "").split())[:QUERY_MAX_CHARS]


class SearchResults(Sequence):
    """A queryset that decorates the posts it yields, counted and sliced in SQL."""

    ordered = True  # for Paginator: the queryset has an explicit order

    def __init__(self, queryset, decorate, *, ranked: bool = False):
        self._queryset = queryset
        self._decorate = decorate
        self._ranked = ranked

    def by_thread(self):
        """The same results, one entry per thread (forum.selectors.search_threads)."""
        from forum.selectors.search_threads import ThreadResults

        return ThreadResults(self._queryset, self._decorate, ranked=self._ranked)

    def count(self) -> int:
        return self._queryset.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if isinstance(index, slice):
            posts = list(self._queryset[index])
            for post in posts:
                self._decorate(post)
            return posts
        if index < 0:
            index += len(self)
        posts = self[index : index + 1]
        if not posts:
            raise IndexError(index)
        return posts[0]


# PostgreSQL ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _has_unaccent(database_name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'unaccent'")
        return cursor.fetchone() is not None


def has_unaccent() -> bool:
    """Whether this PostgreSQL database has the unaccent extension installed (looked
    up once per database; `forget_extensions()` after installing or removing it)."""
    return _has_unaccent(connection.settings_dict["NAME"])


def forget_extensions() -> None:
    _has_unaccent.cache_clear()


def _search_postgres(posts, query: str) -> SearchResults:
    from django.contrib.postgres.search import (
        SearchQuery,
        SearchRank,
        SearchVector,
    )

    def folded(expression):
        return Func(expression, function="unaccent") if has_unaccent() else expression

    vector = (
        SearchVector(folded(F("thread__title")), weight="A", config="french")
        + SearchVector(folded(F("body_text")), weight="B", config="french")
        + SearchVector(folded(F("author__profile__display_name")), weight="C", config="french")
    )
    search = SearchQuery(folded(Value(query)), config="french", search_type="websearch")
    results = (
        posts.annotate(document=vector, rank=SearchRank(vector, search))
        .filter(document=search)
        .order_by("-rank", "-created_at", "-pk")
    )
    terms, _excluded = _search_terms(query)
    return SearchResults(results, lambda post: _decorate(post, terms), ranked=True)


# SQLite --------------------------------------------------------------------

_FOLD_FUNCTION = "intercoop_fold"


def fold(text: str) -> str:
    """Lower case without accents, one character for one ("Écoles" → "ecoles"), so
    that positions in the folded text are positions in the original."""
    return "".join(_fold_char(char) for char in text)


@functools.lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    base = unicodedata.normalize("NFD", char)[0]
    lowered = base.lower()
    return lowered if len(lowered) == 1 else base


def _search_terms(query: str) -> tuple[list[str], list[str]]:
    """The folded words to find and those to exclude (written "-mot", as on
    PostgreSQL): "l'économie" → "economie", a plural ending dropped so that
    "réseaux" finds "réseau"; words of one or two letters ("le", "la", "de") are
    left out when the query has longer ones, as PostgreSQL's stop words are."""
    wanted: list[str] = []
    unwanted: list[str] = []
    for token in query.split():
        target = unwanted if token.startswith("-") and len(token) > 1 else wanted
        for word in re.findall(r"\w+", fold(token)):
            if len(word) > 4 and word[-1] in "sx":
                word = word[:-1]
            if word not in target:
                target.append(word)
    longer = [term for term in wanted if len(term) > 2]
    return (longer or wanted), unwanted


def _ensure_fold_function() -> None:
    """Give this SQLite connection the SQL function folding text as fold() does."""
    connection.ensure_connection()
    connection.connection.create_function(
        _FOLD_FUNCTION,
        1,
        lambda text: fold(text) if text is not None else None,
        deterministic=True,
    )


def _search_folded(posts, query: str):
    terms, excluded = _search_terms(query)
    if not terms:
        return []
    _ensure_fold_function()
    posts = posts.annotate(
        folded_title=Func(F("thread__title"), function=_FOLD_FUNCTION),
        folded_body=Func(F("body_text"), function=_FOLD_FUNCTION),
        folded_author=Func(F("author__profile__display_name"), function=_FOLD_FUNCTION),
    )

    def found(term: str) -> Q:
        return (
            Q(folded_body__contains=term)
            | Q(folded_title__contains=term)
            | Q(folded_author__contains=term)
        )

    for term in terms:
        posts = posts.filter(found(term))
    for term in excluded:
        posts = posts.exclude(found(term))
    results = posts.order_by("-created_at", "-pk")
    return SearchResults(results, lambda post: _decorate(post, terms))


def _decorate(post: Post, terms: list[str]) -> None:
    # Cut from the text a reader reads (the rendered post), not from its Markdown.
    post.passage_html = passage(html_to_text(post.body_html), terms)


def passage(text: str, terms: list[str]) -> SafeString:
    """About PASSAGE_CHARS characters of `text` around the first match of a term,
    escaped, each match of a (folded) term wrapped in <mark>."""
    if not terms:
        end = min(len(text), PASSAGE_CHARS)
        return mark_safe(escape(text[:end]) + ("…" if end < len(text) else ""))  # noqa: S308
    folded = fold(text)
    pattern = re.compile("|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True)))
    first = pattern.search(folded)
    start = max(0, first.start() - PASSAGE_CHARS // 3) if first else 0
    if start:
        # Begin at a word: the next space before the match, if there is one.
        space = text.find(" ", start, first.start())
        start = space + 1 if space != -1 else start
    end = min(len(text), start + PASSAGE_CHARS)
    pieces, position = [], start
    for match in pattern.finditer(folded, start, end):
        pieces.append(escape(text[position : match.start()]))
        pieces.append(f"<mark>{escape(text[match.start() : match.end()])}</mark>")
        position = match.end()
    pieces.append(escape(text[position:end]))
    prefix = "…" if start else ""
    suffix = "…" if end < len(text) else ""
    return mark_safe(prefix + "".join(pieces) + suffix)  # noqa: S308 - escaped above
