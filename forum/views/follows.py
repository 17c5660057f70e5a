"""Following a board or a thread: the same form and the same view for either."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from forum import services
from forum.board_forms import FollowForm
from forum.errors import UserError
from forum.models import FollowLevel
from forum.views.access import board_or_404, thread_or_404

# What a follow URL names, by its `kind` (given by forum/urls.py, and the keyword
# follow_set takes it by): how to find it for the reader, and what to tell them once
# it is followed.
TARGETS = {
    "board": (board_or_404, gettext_lazy("Abonnement à ce forum : %(level)s.")),
    "thread": (thread_or_404, gettext_lazy("Abonnement à ce fil : %(level)s.")),
}


@login_required
@require_POST
def follow(request, kind: str, key):
    find, followed = TARGETS[kind]
    target = find(request, key)
    form = FollowForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choisissez un abonnement dans la liste."))
        return redirect(target)
    level = form.cleaned_data["level"]
    try:
        services.follow_set(user=request.user, level=level, **{kind: target})
    except UserError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, followed % {"level": FollowLevel(level).label})
    return redirect(target)
