"""The search page: thread titles, post bodies and authors' names of the current
event, one entry per thread, narrowed by board, author, period and source."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from forum import selectors
from forum.search_forms import SearchForm
from forum.selectors.search import normalise_query
from forum.views.access import board_or_404

RESULTS_PER_PAGE = 20


def search(request):
    """`?q=` searched with forum.selectors.search_posts (which leaves out what the
    reader may not see: private boards, and hidden posts unless they moderate),
    20 threads a page, each with its best matching posts and their passages."""
    event = selectors.event_current()
    if event is None:
        raise Http404("no event loaded; run `intercoop seed`")
    boards = selectors.boards_for_event(event=event, user=request.user)
    form = SearchForm(request.GET, boards=boards)
    filters = form.filters()
    query = normalise_query(request.GET.get("q"))
    board = None
    if request.GET.get("forum"):
        board = board_or_404(request, request.GET["forum"])
    page = None
    if query or filters.any():
        results = selectors.search_posts(
            query=query, user=request.user, event=event, board=board, filters=filters
        )
        found = results.by_thread() if hasattr(results, "by_thread") else []
        page = Paginator(found, RESULTS_PER_PAGE).get_page(request.GET.get("page"))
    kept = {name: value for name, value in form.kept().items() if value}
    if board is not None:
        kept["forum"] = board.slug
    context = {
        "event": event,
        "search_query": query,
        "form": form,
        "filtered": filters.any(),
        "page": page,
        "search_board": board,
        "querystring": urlencode({"q": query, **kept}),
    }
    return render(request, "forum/search.html", context)
