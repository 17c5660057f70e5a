"""Search over thread titles and post bodies.

On PostgreSQL: full-text search with the French configuration, so that
"coopérative" finds "coopératives" (stemming) and accents are handled, ranked, with
the matching passage highlighted by ts_headline. On SQLite: a case-insensitive
substring match on title and body, with the passage cut around the first match.
"""

from __future__ import annotations

import re

import nh3

from django.db import connection
from django.db.models import Q
from django.utils.html import escape
from django.utils.safestring import mark_safe

from forum.models import Post
from forum.permissions import can_moderate, can_see_board

PASSAGE_CHARS = 220


def _visible_boards(user, event):
    from forum.selectors.boards import boards_for_event

    return boards_for_event(event=event, user=user)


def search_posts(*, query: str, user, event):
    """Visible posts matching `query`, best first; each gets a `passage` (safe HTML)."""
    query = " ".join((query or "").split())[:200]
    if not query:
        return []
    boards = _visible_boards(user, event)
    posts = Post.objects.filter(thread__board__in=boards).select_related(
        "thread__board", "author__profile"
    )
    moderated = {board.pk for board in boards if can_moderate(user, board)}
    if connection.vendor == "postgresql":
        results = _search_postgres(posts, query)
    else:
        results = _search_substring(posts, query)
    return [
        post
        for post in results
        if not post.is_hidden or post.thread.board_id in moderated
    ]


def _search_postgres(posts, query: str):
    from django.contrib.postgres.search import (
        SearchHeadline,
        SearchQuery,
        SearchRank,
        SearchVector,
    )

    vector = SearchVector("thread__title", weight="A", config="french") + SearchVector(
        "body_text", weight="B", config="french"
    )
    search = SearchQuery(query, config="french", search_type="websearch")
    results = list(
        posts.annotate(
            rank=SearchRank(vector, search),
            passage_html=SearchHeadline(
                "body_text",
                search,
                config="french",
                start_sel="<mark>",
                stop_sel="</mark>",
                max_words=35,
                min_words=15,
            ),
        )
        .filter(rank__gt=0)
        .order_by("-rank", "-created_at")[:500]
    )
    for post in results:
        # ts_headline does not escape the text around the marks: sanitise it here.
        post.passage_html = mark_safe(nh3.clean(post.passage_html, tags={"mark"}, attributes={}))
    return results


def _search_substring(posts, query: str):
    words = query.split()
    condition = Q()
    for word in words:
        condition &= Q(body_text__icontains=word) | Q(thread__title__icontains=word)
    results = list(posts.filter(condition).order_by("-created_at")[:500])
    for post in results:
        post.passage_html = _passage(post.body_text, words)
    return results


def _passage(text: str, words: list[str]) -> str:
    lowered = text.lower()
    positions = [lowered.find(word.lower()) for word in words if word.lower() in lowered]
    start = max(0, min(positions) - PASSAGE_CHARS // 3) if positions else 0
    excerpt = text[start : start + PASSAGE_CHARS]
    html = escape(excerpt)
    for word in words:
        html = re.sub(
            f"({re.escape(escape(word))})", r"<mark>\1</mark>", html, flags=re.IGNORECASE
        )
    prefix = "…" if start else ""
    suffix = "…" if start + PASSAGE_CHARS < len(text) else ""
    return mark_safe(prefix + html + suffix)
