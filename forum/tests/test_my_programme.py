"""« Mon programme »: the sessions a person chose, as a page and an .ics file."""

from __future__ import annotations

import pytest
from icalendar import Calendar

from forum.tests.board_factories import make_participant
from forum.tests.reading import page_text

pytestmark = pytest.mark.django_db


def test_my_programme_lists_the_sessions_i_chose(client, event, sessions):
    client.force_login(make_participant(event, sessions=[sessions[2]]))
    text = page_text(client.get("/mon-programme/"))
    assert sessions[2].title in text and sessions[1].title not in text
    calendar = Calendar.from_ical(client.get("/mon-programme.ics").content)
    assert len(calendar.walk("VEVENT")) == 1


def test_my_programme_invites_to_register_first(client, event, sessions):
    from forum.tests.factories import make_user

    client.force_login(make_user())
    assert "Vous n'êtes pas inscrit·e aux journées." in page_text(client.get("/mon-programme/"))
    assert client.get("/mon-programme.ics").status_code == 200


def test_my_programme_asks_to_sign_in(client, event):
    assert client.get("/mon-programme/").status_code == 302
