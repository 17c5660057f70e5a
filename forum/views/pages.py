"""The public pages: preparation page (home), session page, printable programme."""

from django.http import Http404
from django.shortcuts import render

from forum import selectors
from forum.permissions import can_see_session, is_facilitator, is_organiser
from forum.selectors.library import library_entries_latest


def _event_or_404():
    event = selectors.event_current()
    if event is None:
        raise Http404("no event loaded; run `intercoop seed`")
    return event


def home(request):
    event = _event_or_404()
    context = {
        "event": event,
        "sessions": selectors.sessions_for_event(event=event, user=request.user),
        "counts": selectors.registration_counts(event=event),
        "networks": selectors.networks_participating(event=event),
        "registration": selectors.registration_for(user=request.user, event=event),
        "is_organiser": is_organiser(request.user, event),
    }
    return render(request, "forum/home.html", context)


def session_detail(request, slug: str):
    session = selectors.session_by_slug(slug=slug)
    if session is None or not can_see_session(request.user, session):
        raise Http404("no such session")
    context = {
        "event": session.event,
        "session": session,
        "can_facilitate": is_facilitator(request.user, session),
        "library_entries": library_entries_latest() if session.shows_library else None,
    }
    return render(request, "forum/session_detail.html", context)


def programme(request):
    event = _event_or_404()
    context = {
        "event": event,
        "sessions": selectors.sessions_for_event(event=event, user=request.user),
    }
    return render(request, "forum/programme.html", context)
