"""iCalendar files for the event and its sessions (RFC 5545, via icalendar)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar
from icalendar import Event as VEvent

from forum.localized import shown
from forum.models import Event, Session


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", "-//Intercoop//Programme//FR")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/Paris")
    return calendar


def _session_event(session: Session) -> VEvent:
    tz = ZoneInfo(session.event.timezone)
    vevent = VEvent()
    vevent.add("uid", f"session-{session.slug}@{settings.INTERCOOP_MAIL_DOMAIN}")
    vevent.add(
        "summary", f"{shown(session.event, 'name')} — {session.number}. {shown(session, 'title')}"
    )
    if session.starts_at and session.ends_at:
        vevent.add("dtstart", datetime.combine(session.date, session.starts_at, tzinfo=tz))
        vevent.add("dtend", datetime.combine(session.date, session.ends_at, tzinfo=tz))
    else:
        # Hours not announced yet: a whole-day event on the session's date.
        vevent.add("dtstart", session.date)
        vevent.add("dtend", session.date + timedelta(days=1))
    description = shown(session, "subtitle")
    if session.facilitators:
        description += "\n\n" + _("Animation : %(names)s") % {"names": session.facilitators}
    vevent.add("description", description.strip())
    vevent.add("url", settings.INTERCOOP_SITE_URL + session.get_absolute_url())
    place = ", ".join(part for part in (session.place, session.event.location) if part)
    if place:
        vevent.add("location", place)
    vevent.add("dtstamp", timezone.now())
    return vevent


def _with_time_zones(calendar: Calendar) -> bytes:
    # RFC 5545 §3.2.19: every TZID used must be defined by a VTIMEZONE in the file,
    # or agendas guess (often UTC) and shift the sessions by two hours.
    calendar.add_missing_timezones()
    return calendar.to_ical()


def event_calendar(event: Event, sessions) -> bytes:
    calendar = _calendar(event.name)
    for session in sessions:
        calendar.add_component(_session_event(session))
    return _with_time_zones(calendar)


def session_calendar(session: Session) -> bytes:
    calendar = _calendar(f"{session.event.name} — {session.title}")
    calendar.add_component(_session_event(session))
    return _with_time_zones(calendar)
