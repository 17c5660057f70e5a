"""Pages of the mail bridge: one-click unsubscribe (RFC 8058), "Mes abonnements",
and resuming mail after bounces."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from forum.errors import ForumError
from forum.models import Board, Follow, FollowLevel
from forum.services import follow_set
from mailbridge.bounces import mail_delivery_resume
from mailbridge.forms import SubscriptionsForm, board_field_name, thread_field_name
from mailbridge.unsubscribe import BadUnsubscribeToken, list_unsubscribe, verify_unsubscribe_token

logger = logging.getLogger(__name__)


# RFC 8058 §3.1: the mail client POSTs "List-Unsubscribe=One-Click" with no cookie
# and no CSRF token; the signed token in the URL is the authorisation. A GET only
# shows a confirmation page, because link scanners and previews follow GETs.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    try:
        user_id, board_id = verify_unsubscribe_token(token)
    except BadUnsubscribeToken:
        logger.warning(
            "refused unsubscribe link with a forged or garbled token from %s",
            request.META.get("REMOTE_ADDR", "?"),
        )
        return render(request, "mailbridge/unsubscribe_invalid.html", status=400)
    person = get_user_model().objects.filter(pk=user_id).first()
    board = Board.objects.select_related("session").filter(pk=board_id).first()
    if person is None or board is None:
        logger.info("unsubscribe link for a deleted person or board (%s, %s)", user_id, board_id)
        return render(request, "mailbridge/unsubscribe_invalid.html", {"gone": True}, status=404)
    if request.method == "POST":
        list_unsubscribe(user=person, board=board)
        return render(request, "mailbridge/unsubscribe_done.html", {"board": board})
    return render(request, "mailbridge/unsubscribe_confirm.html", {"board": board})


@login_required
def subscriptions(request):
    user = request.user
    boards = list(
        Board.objects.visible_to(user)
        .select_related("session", "event")
        .order_by("event", "position", "pk")
    )
    follows = list(
        Follow.objects.filter(user=user).select_related("thread__board__session", "board")
    )
    visible = {board.pk for board in boards}
    threads = sorted(
        (f.thread for f in follows if f.thread is not None and f.thread.board_id in visible),
        key=lambda thread: (thread.board_id, thread.title.lower()),
    )
    levels = {
        board_field_name(f.board) if f.board_id else thread_field_name(f.thread): f.level
        for f in follows
    }
    form = SubscriptionsForm(request.POST or None, boards=boards, threads=threads, levels=levels)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():  # all the changes, or none
                for kind, target, level in form.changes():
                    follow_set(user=user, level=level, **{kind: target})
        except ForumError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Vos abonnements sont enregistrés."))
            return redirect("mailbridge:subscriptions")
    return render(
        request,
        "mailbridge/subscriptions.html",
        {"form": form, "levels": FollowLevel, "has_threads": bool(threads)},
    )


@login_required
@require_POST
def mail_resume(request):
    """The banner's button: the person has checked their address; mail flows again."""
    if mail_delivery_resume(user=request.user):
        messages.success(
            request,
            _("C'est noté : nous vous écrivons de nouveau à %(address)s.")
            % {"address": request.user.email},
        )
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "mailbridge:subscriptions"
    return redirect(target)
