"""The programme as calendar files (.ics) that an agenda application imports as is."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
EVENT_NAME = "Intercoop 2007 — journées d'été"


def calendar_of(response) -> Calendar:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def vevents(calendar: Calendar):
    return list(calendar.walk("VEVENT"))


def test_the_programme_calendar_holds_the_three_sessions_on_their_days(client, sessions):
    response = client.get("/programme.ics")
    assert response["Content-Disposition"] == 'inline; filename="intercoop-2007.ics"'
    calendar = calendar_of(response)
    assert str(calendar["version"]) == "2.0"
    assert str(calendar["x-wr-calname"]) == EVENT_NAME
    assert str(calendar["x-wr-timezone"]) == "Europe/Paris"
    events = vevents(calendar)
    assert [event.decoded("dtstart") for event in events] == [
        date(2007, 7, 4),
        date(2007, 7, 5),
        date(2007, 7, 6),
    ]
    assert [str(event["summary"]) for event in events] == [
        f"{EVENT_NAME} — {number}. {sessions[number].title}" for number in (1, 2, 3)
    ]


def test_a_session_without_hours_is_a_whole_day_event(client, sessions):
    (event,) = vevents(calendar_of(client.get("/sessions/travail-collaboratif.ics")))
    assert event.decoded("dtstart") == date(2007, 7, 4)
    assert event.decoded("dtend") == date(2007, 7, 5)
    assert event["dtstart"].params.get("VALUE") == "DATE"


def test_a_session_calendar_links_back_to_its_page_and_names_its_facilitator(
    client, sessions, settings
):
    response = client.get("/sessions/travail-collaboratif.ics")
    assert response["Content-Disposition"] == 'inline; filename="travail-collaboratif.ics"'
    (event,) = vevents(calendar_of(response))
    assert str(event["url"]) == f"{settings.INTERCOOP_SITE_URL}/sessions/travail-collaboratif/"
    assert str(event["uid"]) == "session-travail-collaboratif@lists.localhost"
    assert str(event["summary"]) == f"{EVENT_NAME} — 1. {sessions[1].title}"
    assert "Jean-Michel Cornu" in str(event["description"])
    assert "dtstamp" in event


def test_a_session_with_hours_is_placed_in_the_paris_time_zone(client, sessions):
    session = sessions[2]
    session.starts_at = time(9, 30)
    session.ends_at = time(17, 0)
    session.save()
    calendar = calendar_of(client.get("/sessions/pratiques-web2.ics"))
    (event,) = vevents(calendar)
    assert event["dtstart"].params["TZID"] == "Europe/Paris"
    starts = event.decoded("dtstart")
    assert starts == datetime(2007, 7, 5, 9, 30, tzinfo=PARIS)
    assert starts.utcoffset().total_seconds() == 2 * 3600  # summer time
    assert event.decoded("dtend") == datetime(2007, 7, 5, 17, 0, tzinfo=PARIS)
    # RFC 5545 §3.2.19: a TZID names a VTIMEZONE given in the same file.
    zones = [str(zone["tzid"]) for zone in calendar.walk("VTIMEZONE")]
    assert zones == ["Europe/Paris"]


def test_an_unknown_session_calendar_is_not_found(client, event):
    response = client.get("/sessions/inconnue.ics")
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()


def test_the_calendar_files_are_crlf_text(client, sessions):
    content = client.get("/programme.ics").content
    assert content.startswith(b"BEGIN:VCALENDAR\r\n")
    assert b"\r\n" in content and b"\n" not in content.replace(b"\r\n", b"")
    content.decode("utf-8")
