"""One post: its author edits it, moderators hide it, unhide it and read its history."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from forum import services
from forum.board_forms import HideForm, PostEditForm
from forum.drafts import draft_accepted
from forum.errors import EditWindowClosed, UserError
from forum.permissions import can_moderate
from forum.services.posts import can_edit
from forum.views.access import post_or_404


@login_required
def post_edit(request, pk: int):
    post = post_or_404(request, pk)
    if not can_edit(request.user, post):
        if post.author_id != request.user.pk:
            raise PermissionDenied(_("Vous ne pouvez pas modifier ce message."))
        messages.error(request, _("Le délai pour modifier ce message est passé."))
        return redirect(post.get_absolute_url())
    if request.method == "POST":
        form = PostEditForm(request.POST)
        if form.is_valid():
            try:
                services.post_edit(post=post, editor=request.user, body=form.cleaned_data["body"])
            except EditWindowClosed as error:
                messages.error(request, str(error))
                return redirect(post.get_absolute_url())
            except UserError as error:
                form.add_user_error(error)
            else:
                messages.success(request, _("Le message est modifié."))
                return draft_accepted(request, redirect(post.get_absolute_url()))
        status = 400
    else:
        form = PostEditForm(initial={"body": post.body_markdown})
        status = 200
    context = {"event": post.thread.board.event, "post": post, "thread": post.thread, "form": form}
    return render(request, "forum/post_edit.html", context, status=status)


@login_required
def post_history(request, pk: int):
    post = post_or_404(request, pk)
    if not can_moderate(request.user, post.thread.board):
        raise PermissionDenied(
            _("L'historique des modifications est réservé à l'animation et à l'organisation.")
        )
    revisions = post.revisions.select_related("edited_by__profile").order_by("-replaced_at")
    context = {
        "event": post.thread.board.event,
        "post": post,
        "thread": post.thread,
        "revisions": revisions,
    }
    return render(request, "forum/post_history.html", context)


@login_required
@require_POST
def post_hide(request, pk: int):
    post = post_or_404(request, pk)
    if not can_moderate(request.user, post.thread.board):
        raise PermissionDenied(_("Seules l'animation et l'organisation peuvent faire cela."))
    form = HideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Indiquez le motif du masquage."))
        return redirect(post.get_absolute_url())
    try:
        services.post_hide(post=post, moderator=request.user, reason=form.cleaned_data["reason"])
    except UserError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Le message est masqué."))
    return redirect(post.get_absolute_url())


@login_required
@require_POST
def post_unhide(request, pk: int):
    post = post_or_404(request, pk)
    services.post_unhide(post=post, moderator=request.user)
    messages.success(request, _("Le message est de nouveau visible."))
    return redirect(post.get_absolute_url())
