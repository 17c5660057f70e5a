"""Registering to the event, changing and cancelling one's registration."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from forum import selectors, services
from forum.errors import UserError
from forum.forms import NEW_NETWORK, RegistrationForm
from forum.models import Role


def _event():
    event = selectors.event_current()
    if event is None:
        raise Http404("no event loaded")
    return event


@login_required
def registration(request):
    """One page to register and, once registered, to change the registration."""
    event = _event()
    current = selectors.registration_for(user=request.user, event=event)
    profile = services.profile_ensure(user=request.user)
    if request.method == "POST":
        form = RegistrationForm(request.POST, event=event, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            was_active = current is not None and current.is_active
            try:
                # One transaction: a new network is only kept if the registration is
                # (registration closed, a race on the row... nothing half-saved).
                with transaction.atomic():
                    network = data["network_obj"]
                    if data["network"] == NEW_NETWORK:
                        network = services.network_find_or_create(
                            name=data["new_network_name"],
                            website=data.get("new_network_website") or "",
                        )
                    services.registration_save(
                        user=request.user,
                        event=event,
                        network=network,
                        sessions=data["sessions"],
                        requested_role=data["requested_role"],
                        comment=data["comment"],
                        mail_delivery=data["mail_delivery"],
                    )
            except UserError as error:
                form.add_error(None, ValidationError(str(error), code=error.code))
            else:
                messages.success(
                    request,
                    _("Votre inscription a été modifiée.")
                    if was_active
                    else _("Vous êtes inscrit·e. À bientôt !"),
                )
                return redirect("forum:registration")
    else:
        initial = {"mail_delivery": profile.mail_delivery}
        if current is not None and current.is_active:
            initial.update(
                network=str(current.network_id or ""),
                sessions=list(current.sessions.all()),
                requested_role=(
                    Role.FACILITATOR
                    if Role.FACILITATOR in (current.role, current.requested_role)
                    else Role.PARTICIPANT
                ),
                comment=current.comment,
            )
        else:
            initial["sessions"] = selectors.sessions_for_event(event=event, user=request.user)
        form = RegistrationForm(initial=initial, event=event, user=request.user)
    return render(
        request,
        "forum/registration.html",
        {"event": event, "form": form, "registration": current, "profile": profile},
    )


@login_required
@require_POST
def registration_cancel(request):
    event = _event()
    try:
        services.registration_cancel(user=request.user, event=event)
    except UserError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("Votre inscription est annulée. Vous pouvez vous réinscrire à tout moment.")
        )
    return redirect("forum:registration")
