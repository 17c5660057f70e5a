""" "Missing testimony" reminders: on the days the session's settings name (7 and 2 days
before it, by default), to each person registered for it who has written nothing and
not declined; three at most, once each, through the outbox, with the write link and
the "I won't write one" link, which stops them."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from forum.models import testimony as records
from forum.services import testimonies as testimony_services
from forum.tests.factories import make_registration, make_user
from mailbridge import testimonies as testimony_mail
from mailbridge.models import Delivery, DeliveryKind
from mailbridge.outbound.payload_message import build_payload_message
from mailbridge.tests.outbound.factories import make_board

pytestmark = pytest.mark.django_db


@pytest.fixture
def session():
    board = make_board(slug="atelier")
    session = board.session
    session.date = date(2030, 7, 4)
    session.save(update_fields=["date"])
    testimony_services.testimony_call_for(session)  # default days: 7 and 2
    return session


def person(session, email: str, *, registered_for_session: bool = True):
    user = make_user(email=email)
    make_registration(
        user=user, event=session.event, sessions=[session] if registered_for_session else []
    )
    return user


def at(session, days_before: float) -> datetime:
    start = timezone.make_aware(datetime.combine(session.date, datetime.min.time()))
    return start - timedelta(days=days_before)


def reminders() -> list[Delivery]:
    return list(Delivery.objects.filter(kind=DeliveryKind.REMINDER).order_by("pk"))


def test_reminders_follow_the_schedule_and_skip_who_wrote_declined_or_is_elsewhere(session):
    anne = person(session, "anne@exemple.org")
    wrote = person(session, "wrote@exemple.org")
    declined = person(session, "declined@exemple.org")
    person(session, "elsewhere@exemple.org", registered_for_session=False)
    testimony_services.testimony_consent_choose(session=session, person=wrote, consent="signed")
    testimony_services.testimony_submit(session=session, author=wrote, title="T", body="Un récit.")
    testimony_services.testimony_decline(session=session, person=declined)

    assert testimony_mail.testimony_reminders_write(now=at(session, 8)) == 0
    assert testimony_mail.testimony_reminders_write(now=at(session, 6.5)) == 1
    assert testimony_mail.testimony_reminders_write(now=at(session, 6)) == 0  # once a day reached
    assert testimony_mail.testimony_reminders_write(now=at(session, 1.5)) == 1
    assert testimony_mail.testimony_reminders_write(now=at(session, 1)) == 0
    assert (
        testimony_mail.testimony_reminders_write(now=at(session, -1)) == 0
    )  # the session has begun
    sent = reminders()
    assert [d.address for d in sent] == ["anne@exemple.org"] * 2
    assert [d.key for d in sent] == [f"testimony-reminder:{session.pk}:{n}" for n in (1, 2)]
    writer = records.TestimonyWriter.objects.get(person=anne)
    assert writer.reminders_sent == 2


def test_at_most_three_and_the_decline_link_stops_them(session):
    anne = person(session, "anne@exemple.org")
    testimony_services.testimony_settings_set(
        session=session,
        editor=make_user(is_superuser=True),
        hold_for_review=False,
        reminder_days=[20, 10, 3],
    )
    assert testimony_mail.testimony_reminders_write(now=at(session, 15)) == 1
    delivery = reminders()[0]
    raw = build_payload_message(delivery).decode("utf-8", "replace")
    assert "List-Unsubscribe" in raw and "Auto-Submitted: auto-generated" in raw
    assert "/sessions/atelier/temoignage/" in delivery.payload["text"]
    assert "atelier+temoignage@" in delivery.payload["text"]
    link = next(
        word for word in delivery.payload["text"].split() if "/temoignages/ne-pas-ecrire/" in word
    )
    path = link.split("://", 1)[1].split("/", 1)[1]
    Client().post("/" + path)
    assert records.TestimonyWriter.objects.get(person=anne).declined_at is not None
    assert testimony_mail.testimony_reminders_write(now=at(session, 5)) == 0
    assert len(reminders()) == 1


def test_days_reached_together_make_one_reminder_and_three_is_the_most(session):
    person(session, "anne@exemple.org")
    with pytest.raises(testimony_services.UserError):
        testimony_services.testimony_settings_set(
            session=session,
            editor=make_user(is_superuser=True),
            hold_for_review=False,
            reminder_days=[9, 7, 5, 2],
        )
    assert testimony_mail.testimony_reminders_write(now=at(session, 1)) == 1  # 7 and 2 both reached
    assert testimony_mail.testimony_reminders_write(now=at(session, 0.5)) == 0


def test_the_reminder_says_how_to_name_themes_in_the_readers_language(session):
    session.title_en = "Cooperating in a group"
    session.title = "Coopérer dans un groupe"
    session.save(update_fields=["title", "title_en"])
    ann = person(session, "ann@example.org")
    ann.profile.language = "en"
    ann.profile.save(update_fields=["language"])
    person(session, "anne@exemple.org")
    assert testimony_mail.testimony_reminders_write(now=at(session, 6.5)) == 2
    english = Delivery.objects.get(kind=DeliveryKind.REMINDER, address="ann@example.org")
    assert "Cooperating in a group" in english.payload["text"]
    assert "Coopérer" not in english.payload["text"]
    assert "write “Themes:” on its first line" in english.payload["text"]
    assert "non-dits, identité collective" in english.payload["text"]
    french = Delivery.objects.get(kind=DeliveryKind.REMINDER, address="anne@exemple.org")
    assert "« Coopérer dans un groupe »" in french.payload["text"]
    assert "écrivez en première ligne « Thèmes : »" in french.payload["text"]
