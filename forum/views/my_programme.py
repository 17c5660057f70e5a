"""« Mon programme »: the sessions a person chose at registration, as a page and as
an .ics file for their agenda."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from forum import ics, selectors
from forum.views.calendar import _ics_response


def _event_or_404():
    event = selectors.event_current()
    if event is None:
        raise Http404("no event loaded")
    return event


@login_required
@require_safe
def my_programme(request):
    event = _event_or_404()
    context = {
        "event": event,
        "registration": selectors.registration_for(user=request.user, event=event),
        "sessions": selectors.sessions_of_person(user=request.user, event=event),
    }
    return render(request, "forum/my_programme.html", context)


@login_required
@require_safe
def my_programme_ics(request):
    event = _event_or_404()
    sessions = selectors.sessions_of_person(user=request.user, event=event)
    return _ics_response(ics.event_calendar(event, sessions), f"{event.slug}-mon-programme.ics")
