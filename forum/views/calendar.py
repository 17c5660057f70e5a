"""Calendar downloads (.ics) for the event and each session."""

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_safe

from forum import ics, selectors
from forum.permissions import can_see_session


def _ics_response(payload: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(payload, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@require_safe
def event_ics(request):
    event = selectors.event_current()
    if event is None:
        raise Http404("no event loaded")
    sessions = selectors.sessions_for_event(event=event, user=request.user)
    return _ics_response(ics.event_calendar(event, sessions), f"{event.slug}.ics")


@require_safe
def session_ics(request, slug: str):
    session = selectors.session_by_slug(slug=slug)
    if session is None or not can_see_session(request.user, session):
        raise Http404("no such session")
    return _ics_response(ics.session_calendar(session), f"{session.slug}.ics")
