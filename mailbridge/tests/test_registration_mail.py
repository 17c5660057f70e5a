"""The registration confirmation: a mail through the outbox listing the person's
sessions, with their programme attached as an .ics file."""

from __future__ import annotations

import html

import pytest
from icalendar import Calendar

from forum import services
from forum.tests.board_factories import general_board
from forum.tests.factories import make_user
from forum.tests.shared_fixtures import *  # noqa: F403 - event, sessions
from mailbridge.models import Delivery, DeliveryKind
from mailbridge.tests.listmail_support import (  # noqa: F401
    SITE,
    html_of,
    list_mail_settings,
    received,
    text_of,
)

pytestmark = pytest.mark.django_db


def confirmations():
    return list(Delivery.objects.filter(kind=DeliveryKind.REGISTRATION).order_by("pk"))


def register(person, event, sessions):
    return services.registration_save(user=person, event=event, network=None, sessions=sessions)


def test_registering_sends_a_confirmation_with_the_sessions_and_their_calendar(event, sessions):
    general_board(event)
    person = make_user(display_name="Camille Coop")
    register(person, event, [sessions[1], sessions[3]])
    (delivery,) = confirmations()
    assert delivery.recipient == person
    message = received(delivery)
    assert "Votre inscription" in message["Subject"]
    text = text_of(message)
    assert sessions[1].title in text and sessions[3].title in text
    assert sessions[2].title not in text
    assert f"{SITE}/mon-programme/" in text
    assert sessions[3].title in html.unescape(html_of(message))
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_filename() == "programme.ics"
    calendar = Calendar.from_ical(attachment.get_content())
    summaries = [str(vevent["summary"]) for vevent in calendar.walk("VEVENT")]
    assert len(summaries) == 2 and sessions[3].title in summaries[1]


def test_saving_the_same_choice_again_sends_nothing_new_a_new_choice_is_confirmed(event, sessions):
    general_board(event)
    person = make_user()
    register(person, event, [sessions[1]])
    register(person, event, [sessions[1]])
    assert len(confirmations()) == 1
    register(person, event, [sessions[1], sessions[2]])
    assert len(confirmations()) == 2
    services.registration_cancel(user=person, event=event)
    assert len(confirmations()) == 2


def test_no_confirmation_to_an_unverified_address(event, sessions):
    general_board(event)
    register(make_user(verified=False), event, [sessions[1]])
    assert confirmations() == []
