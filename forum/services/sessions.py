"""A session's state: upcoming, live, closed. The facilitators of the session and
the organisers of its event move it; everyone else hears it through the domain
event `session_state_changed` (the live pages, the recap mail)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from forum import events
from forum.errors import NotAllowed, UserError
from forum.models import Session, SessionState
from forum.permissions import is_facilitator


@transaction.atomic
def session_state_set(*, session: Session, actor, state: str) -> Session:
    """Move `session` to `state` and publish `session_state_changed(session_id, state)`.

    Refuses anyone but the session's facilitators and the event's organisers
    (NotAllowed) and an unknown state (UserError). Setting the state a session
    already has changes nothing and publishes nothing, so a double click never
    sends a second recap. Any move is allowed, including reopening a closed
    session (an organiser correcting a mistake).
    """
    if state not in SessionState.values:
        raise UserError(_("Choisissez un état de session dans la liste."), code="state")
    session = Session.objects.select_for_update().select_related("event").get(pk=session.pk)
    if not is_facilitator(actor, session):
        raise NotAllowed(
            _("Seules l'animation et l'organisation peuvent changer l'état de la session."),
            code="cannot_set_state",
        )
    if session.state == state:
        return session
    session.state = state
    session.save(update_fields=["state"])
    events.publish("session_state_changed", session_id=session.pk, state=state)
    return session
