"""Event facts the organisers fill in: a session's room, hours and facilitators, and
their own texts in English, which English readers see when they exist."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from forum.models import Session
from forum.tests.board_factories import board_for
from forum.tests.reading import page_text

pytestmark = pytest.mark.django_db


def _in_english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})


def test_hours_and_room_show_on_the_session_page_and_in_the_calendar(client, sessions):
    session = sessions[2]
    Session.objects.filter(pk=session.pk).update(
        starts_at=time(9, 30), ends_at=time(12, 30), place="Salle des Canuts"
    )
    text = page_text(client.get(session.get_absolute_url()))
    assert "09:30–12:30" in text and "Salle des Canuts" in text
    assert "Salle des Canuts" in page_text(client.get("/"))
    calendar = Calendar.from_ical(client.get(f"/sessions/{session.slug}.ics").content)
    (vevent,) = calendar.walk("VEVENT")
    assert vevent.decoded("dtstart") == datetime(2007, 7, 5, 9, 30, tzinfo=ZoneInfo("Europe/Paris"))
    assert vevent.decoded("dtend").hour == 12
    assert str(vevent["location"]).startswith("Salle des Canuts")


def test_the_seed_invents_no_hours(sessions):
    assert all(session.starts_at is None for session in Session.objects.all())


def test_english_readers_see_the_organisers_english_texts_when_given(client, event, sessions):
    session = sessions[1]
    board_for(session)
    event.name_en = "Intercoop 2007 summer days"
    event.presentation_en = "Three days to **work together**."
    event.save()
    Session.objects.filter(pk=session.pk).update(title_en="Working together")
    french = page_text(client.get("/"))
    assert session.title in french and "Working together" not in french
    _in_english(client)
    english = page_text(client.get("/"))
    assert "Intercoop 2007 summer days" in english and "Working together" in english
    assert "Three days to work together" in english
    # Without an English text, the French one.
    assert sessions[2].title in english
    assert "Working together" in page_text(client.get("/forums/"))
    ics = Calendar.from_ical(client.get(f"/sessions/{session.slug}.ics").content)
    assert "Working together" in str(ics.walk("VEVENT")[0]["summary"])
