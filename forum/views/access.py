"""Looking up what a URL names, for the reader asking.

What the reader may not see does not exist for them (404, as for private sessions);
what they may see but not do is a 403 with the reason in their language, answered for
every view by forum.middleware.
"""

from __future__ import annotations

from django.http import Http404

from forum import selectors
from forum.board_forms import PK_MAX
from forum.models import Board, Post, Thread
from forum.permissions import can_see_board


def board_or_404(request, slug: str) -> Board:
    board = selectors.board_by_slug(slug=slug)
    if board is None or not can_see_board(request.user, board):
        raise Http404("no such board")
    return board


def thread_or_404(request, pk: int) -> Thread:
    thread = selectors.thread_by_id(pk=pk) if 0 < pk <= PK_MAX else None
    if thread is None or not can_see_board(request.user, thread.board):
        raise Http404("no such thread")
    return thread


def post_or_404(request, pk: int) -> Post:
    post = (
        Post.objects.select_related(
            "thread__board__event", "thread__board__session", "author__profile"
        )
        .filter(pk=pk)
        .first()
        if 0 < pk <= PK_MAX
        else None
    )
    if post is None or not can_see_board(request.user, post.thread.board):
        raise Http404("no such post")
    return post
