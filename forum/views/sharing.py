"""Sharing a thread to other boards (« passerelles ») from its page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from forum import services
from forum.errors import UserError
from forum.models import Board, Thread, ThreadShare
from forum.views.access import board_or_404, thread_or_404


def share_context(*, thread: Thread, user, moderator: bool) -> dict:
    """What the thread page shows of its shares: the boards it is shared to, and
    the boards the reader may share it to (author and moderators: any board they may
    read; référents: their networks' boards)."""
    shares = list(ThreadShare.objects.filter(thread=thread).select_related("board").order_by("pk"))
    context = {"shared_to": [share.board for share in shares], "share_targets": []}
    if not getattr(user, "is_authenticated", False):
        return context
    excluded = [thread.board_id, *(share.board_id for share in shares)]
    targets = Board.objects.visible_to(user).exclude(pk__in=excluded)
    if not (moderator or thread.author_id == user.pk):
        targets = targets.filter(network__referents=user)
    context["share_targets"] = list(targets.order_by("event", "position", "pk"))
    return context


@login_required
@require_POST
def thread_share(request, pk: int):
    thread = thread_or_404(request, pk)
    board = board_or_404(request, request.POST.get("board", ""))
    try:
        services.thread_share(thread=thread, board=board, user=request.user)
    except UserError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("Le fil est aussi montré dans « %(board)s ».") % {"board": board.title}
        )
    return redirect(thread)


@login_required
@require_POST
def thread_unshare(request, pk: int):
    thread = thread_or_404(request, pk)
    board = board_or_404(request, request.POST.get("board", ""))
    services.thread_unshare(thread=thread, board=board, user=request.user)
    messages.success(
        request, _("Le fil n'est plus montré dans « %(board)s ».") % {"board": board.title}
    )
    return redirect(thread)
