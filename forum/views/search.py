"""The search page: thread titles and post bodies of the current event."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from forum import selectors
from forum.selectors.search import normalise_query
from forum.views.access import board_or_404

RESULTS_PER_PAGE = 20


def search(request):
    """`?q=` searched with forum.selectors.search_posts (which leaves out what the
    reader may not see: private boards, and hidden posts unless they moderate),
    20 results a page, each with its matching passage."""
    event = selectors.event_current()
    if event is None:
        raise Http404("no event loaded; run `intercoop seed`")
    query = normalise_query(request.GET.get("q"))
    board = None
    if request.GET.get("forum"):
        board = board_or_404(request, request.GET["forum"])
    page = None
    if query:
        results = selectors.search_posts(query=query, user=request.user, event=event, board=board)
        page = Paginator(results, RESULTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"event": event, "search_query": query, "page": page, "search_board": board}
    return render(request, "forum/search.html", context)
