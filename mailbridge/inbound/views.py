"""Pages of the inbound side: confirming a list command sent by mail, and the whole
text of a post that came by email ("show the whole message")."""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods

from forum.errors import NotAllowed
from forum.models import Board, Post
from forum.permissions import can_read_post
from mailbridge.inbound.commands import (
    SUBSCRIBE,
    BadCommandToken,
    ExpiredCommandToken,
    command_apply,
    command_verify,
)
from mailbridge.models import InboundMessage, InboundStatus

logger = logging.getLogger(__name__)


@require_http_methods(["GET", "POST"])
def list_command_confirm(request, token: str):
    """GET: what the link will do, and a button; POST: do it. The signed token is the
    authorisation (the person may read their mail on a device where they are not
    signed in); a GET never changes anything."""
    try:
        user_id, board_id, action = command_verify(token)
    except ExpiredCommandToken:
        return render(
            request, "mailbridge/list_command_invalid.html", {"expired": True}, status=400
        )
    except BadCommandToken:
        logger.warning(
            "refused a forged or damaged list command link from %s",
            request.META.get("REMOTE_ADDR", "?"),
        )
        return render(request, "mailbridge/list_command_invalid.html", {}, status=400)
    person = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    board = Board.objects.select_related("session", "event").filter(pk=board_id).first()
    if person is None or board is None:
        return render(request, "mailbridge/list_command_invalid.html", {"gone": True}, status=404)
    context = {"board": board, "action": action, "subscribe": action == SUBSCRIBE}
    if request.method == "POST":
        try:
            command_apply(person=person, board=board, action=action)
        except NotAllowed:
            return render(request, "mailbridge/list_command_invalid.html", context, status=403)
        logger.info("user %s confirmed %s on %s", person.pk, action, board.slug)
        return render(request, "mailbridge/list_command_done.html", context)
    return render(request, "mailbridge/list_command_confirm.html", context)


def post_original(request, pk: int):
    """The whole text of the mail a post came from, before quotes and signature were
    taken away; for those who can read the post (hidden posts: moderators only)."""
    post = get_object_or_404(Post.objects.select_related("thread__board__session"), pk=pk)
    if not can_read_post(request.user, post):
        raise Http404
    inbound = (
        InboundMessage.objects.filter(
            post=post, status__in=(InboundStatus.POSTED, InboundStatus.NEW_THREAD)
        )
        .only("pk", "original_text", "received_at", "subject", "post_id")
        .order_by("pk")
        .first()
    )
    if inbound is None:
        raise Http404
    return render(
        request,
        "mailbridge/post_original.html",
        {"post": post, "thread": post.thread, "board": post.thread.board, "inbound": inbound},
    )
