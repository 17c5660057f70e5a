"""The questionnaire's mails through the outbox: who is sent it and when, what it
says, reminders by the facilitator's schedule, the decline link, confirmations."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from forum import services
from forum.errors import UserError
from forum.models import Anonymity, RespondentStatus
from forum.questionnaire_tokens import link_token
from forum.selectors.questionnaires import respondent_status
from forum.services.answers import questionnaire_decline, questionnaire_submit
from forum.services.questionnaire_sending import questionnaire_send
from forum.tests.factories import make_registration, make_user
from forum.tests.questionnaire_factories import good_answers
from mailbridge.models import Delivery, DeliveryKind
from mailbridge.questionnaires.mailing import reminder_key, sent_key
from mailbridge.questionnaires.message import build_questionnaire_message
from mailbridge.questionnaires.reminders import reminders_send_due
from mailbridge.tests.listmail_support import list_mail_settings  # noqa: F401 - autouse
from mailbridge.tests.questionnaire_support import (
    HELENE,
    PAUL,
    QuestionnaireScene,
    parse,
    text_of,
)

pytestmark = pytest.mark.django_db


def _sent(scene, key=None):
    return Delivery.objects.filter(key=key or sent_key(scene.questionnaire.pk))


def _message(delivery):
    return parse(build_questionnaire_message(SimpleNamespace(id=delivery.pk)))


def _addresses(queryset):
    return {address.lower() for address in queryset.values_list("address", flat=True)}


def test_sending_mails_each_registered_participant_once_with_numbered_questions():
    scene = QuestionnaireScene()
    elsewhere = make_user(email=PAUL, display_name="Paul")
    make_registration(user=elsewhere, event=scene.event, sessions=[])  # not this session

    questionnaire_send(questionnaire=scene.questionnaire, actor=scene.cornu)
    questionnaire_send(questionnaire=scene.questionnaire, actor=scene.cornu)

    assert HELENE.lower() in _addresses(_sent(scene))
    assert PAUL not in _addresses(_sent(scene))
    assert _sent(scene).filter(address__iexact=HELENE).count() == 1
    assert scene.refresh().sent_at is not None
    delivery = _sent(scene).get(address__iexact=HELENE)
    assert delivery.kind == DeliveryKind.QUESTIONNAIRE
    message = _message(delivery)
    assert message["Subject"] == "[session-questionnaire] Questionnaire préalable"
    assert message["List-Id"] and "List-Unsubscribe=One-Click" in message["List-Unsubscribe-Post"]
    assert message["Reply-To"].addresses[0].addr_spec.startswith("answers+")
    body = text_of(message)
    assert "2. Quels outils partagez-vous ?" in body
    assert "   c) Un forum / A forum" in body
    assert "3. Chacun·e ose-t-il dire son désaccord ?" in body and "1 : jamais" in body
    assert "4. Avez-vous vu des personnes se désimpliquer ?\n   oui / non" in body
    assert "(facultatif)" in body
    prefix = f"/questionnaires/{scene.questionnaire.pk}.{scene.helene.pk}:"
    link, decline = [line for line in body.splitlines() if prefix in line]
    assert link.endswith("/") and decline.endswith("/decliner/")


def test_an_english_reader_gets_the_questions_in_english_options_in_both():
    scene = QuestionnaireScene()
    scene.session.title_en = "Cooperating in a group"
    scene.session.save(update_fields=["title_en"])
    reader = scene.participant("ann@example.org", "Ann", language="en")
    questionnaire_send(questionnaire=scene.questionnaire, actor=scene.cornu)
    message = _message(_sent(scene).get(address="ann@example.org"))
    body = text_of(message)
    assert message["Subject"] == "[session-questionnaire] Questionnaire ahead"
    assert "1. In which group do you cooperate?" in body
    assert "a) Une association / An association" in body
    assert "Or answer this email" in body
    assert reader.pk
    # The session's own title, in English when the organisers gave one.
    assert "“Cooperating in a group”" in body or "Cooperating in a group" in body


def test_a_questionnaire_not_open_cannot_be_sent():
    scene = QuestionnaireScene(opened=False)
    with pytest.raises(UserError):
        questionnaire_send(questionnaire=scene.questionnaire, actor=scene.cornu)
    assert not _sent(scene).exists()


def test_registering_after_it_was_sent_sends_it_and_before_does_not():
    scene = QuestionnaireScene()
    early = make_user(email="early@exemple.org", display_name="Early")
    services.registration_save(
        user=early, event=scene.event, network=None, sessions=[scene.session]
    )
    assert not _sent(scene).exists()  # not sent yet: nobody gets it

    questionnaire_send(questionnaire=scene.questionnaire, actor=scene.cornu)
    late = make_user(email="late@exemple.org", display_name="Late")
    services.registration_save(user=late, event=scene.event, network=None, sessions=[scene.session])
    services.registration_save(user=late, event=scene.event, network=None, sessions=[scene.session])

    assert _sent(scene).filter(address="late@exemple.org").count() == 1
    assert _sent(scene).filter(address="early@exemple.org").count() == 1


def _reminders(scene):
    return Delivery.objects.filter(key__startswith=f"{sent_key(scene.questionnaire.pk)}:reminder:")


def test_reminders_follow_the_schedule_skip_who_answered_or_declined_and_never_repeat():
    scene = QuestionnaireScene()
    paul = scene.participant(PAUL, "Paul Durand")
    claire = scene.participant("claire@exemple.org", "Claire")
    questionnaire = scene.questionnaire
    now = timezone.now()
    questionnaire.closes_at = now + timedelta(days=10)
    questionnaire.save(update_fields=["closes_at"])
    questionnaire_send(questionnaire=questionnaire, actor=scene.cornu)
    questionnaire.refresh_from_db()
    assert questionnaire.reminder_days == "7, 2"

    assert reminders_send_due(now=now + timedelta(days=2)) == 0  # nothing due yet
    questionnaire_submit(
        questionnaire=questionnaire, person=paul, answers=good_answers(scene.questions)
    )
    first = now + timedelta(days=3, hours=1)
    reminders_send_due(now=first)
    reminders_send_due(now=first)  # beat ran twice: nothing twice
    assert _addresses(_reminders(scene)) >= {HELENE.lower(), "claire@exemple.org"}
    assert PAUL not in _addresses(_reminders(scene))
    assert _reminders(scene).filter(address="claire@exemple.org").count() == 1
    message = _message(_reminders(scene).get(address="claire@exemple.org"))
    assert message["Subject"].startswith("[session-questionnaire] Rappel :")

    questionnaire_decline(questionnaire=questionnaire, person=claire)
    reminders_send_due(now=now + timedelta(days=8, hours=1))
    second = Delivery.objects.filter(key=reminder_key(questionnaire.pk, 2))
    assert HELENE.lower() in _addresses(second)
    assert "claire@exemple.org" not in _addresses(second) and PAUL not in _addresses(second)


def test_never_more_than_three_reminders():
    scene = QuestionnaireScene()
    questionnaire = scene.questionnaire
    with pytest.raises(UserError):
        from forum.reminder_schedule import schedule_parse

        schedule_parse("9, 6, 3, 1")
    now = timezone.now()
    questionnaire.closes_at = now + timedelta(days=10)
    questionnaire.reminder_days = "9, 6, 3"
    questionnaire.save(update_fields=["closes_at", "reminder_days"])
    questionnaire_send(questionnaire=questionnaire, actor=scene.cornu)
    for hours in range(1, 24 * 10, 6):
        reminders_send_due(now=now + timedelta(hours=hours))
    keys = set(_reminders(scene).filter(address__iexact=HELENE).values_list("key", flat=True))
    assert len(keys) == 3


def test_the_decline_link_asks_then_stops_reminders(client):
    scene = QuestionnaireScene()
    token = link_token(questionnaire_id=scene.questionnaire.pk, user_id=scene.helene.pk)
    url = reverse("forum:questionnaire_link_decline", args=[token])

    page = client.get(url)
    assert page.status_code == 200 and "Je ne répondrai pas" in page.content.decode()
    assert respondent_status(questionnaire=scene.questionnaire, person=scene.helene) is None

    done = client.post(url)
    assert "vous ne recevrez plus de relance" in done.content.decode()
    assert respondent_status(questionnaire=scene.questionnaire, person=scene.helene) == (
        RespondentStatus.DECLINED
    )


def test_a_forged_or_expired_decline_link_gets_the_403_page(client):
    scene = QuestionnaireScene()
    token = link_token(questionnaire_id=scene.questionnaire.pk, user_id=scene.helene.pk)
    forged = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    page = client.get(reverse("forum:questionnaire_link_decline", args=[forged]))
    assert page.status_code == 403 and "pas valable" in page.content.decode()

    scene.questionnaire.closes_at = timezone.now() - timedelta(minutes=1)
    scene.questionnaire.save(update_fields=["closes_at"])
    for name in ("forum:questionnaire_link_decline", "forum:questionnaire_link"):
        page = client.post(reverse(name, args=[token]))
        assert page.status_code == 403 and "expiré" in page.content.decode()
    assert respondent_status(questionnaire=scene.questionnaire, person=scene.helene) is None


@pytest.mark.parametrize("anonymity", [Anonymity.NAMED, Anonymity.ANONYMOUS])
def test_a_web_submission_is_confirmed_by_mail_the_row_holds_no_answer(client, anonymity):
    scene = QuestionnaireScene(anonymity=anonymity)
    client.force_login(scene.helene)
    answers = good_answers(scene.questions, name="Les Colibris du Vercors")
    form = {f"q{pk}": value for pk, value in answers.items()}
    response = client.post(reverse("forum:questionnaire_answer", args=[scene.session.slug]), form)
    assert response.status_code == 302

    (delivery,) = Delivery.objects.filter(key__contains=":confirmation:")
    assert "Colibris" not in str(delivery.payload)
    body = text_of(_message(delivery))
    assert "Les Colibris du Vercors" in body and "Une association" in body and "4 sur 5" in body


def test_the_builder_page_sends_it_and_says_so(client):
    scene = QuestionnaireScene()
    client.force_login(scene.cornu)
    build = reverse("forum:questionnaire_build", args=[scene.session.slug])
    assert "Envoyer aux participant·es" in client.get(build).content.decode()
    response = client.post(reverse("forum:questionnaire_send", args=[scene.session.slug]))
    assert response.status_code == 302
    assert _sent(scene).filter(address__iexact=HELENE).exists()
    assert "Envoyé aux participant·es le" in client.get(build).content.decode()


def test_the_reminder_schedule_is_set_in_the_settings_and_checked(client):
    scene = QuestionnaireScene()
    client.force_login(scene.cornu)
    url = reverse("forum:questionnaire_settings", args=[scene.session.slug])
    form = {"title_fr": "Questionnaire", "anonymity": scene.questionnaire.anonymity}
    page = client.post(url, {**form, "reminder_days": "9, 6, 3, 1"})
    assert "Au plus 3 relances." in page.content.decode()
    client.post(url, {**form, "reminder_days": "5;1"})
    assert scene.refresh().reminder_days == "5, 1"


def test_a_confirmation_sent_after_an_anonymous_questionnaire_closed_shows_no_answer():
    from forum.services.questionnaires import questionnaire_close

    scene = QuestionnaireScene(anonymity=Anonymity.ANONYMOUS)
    questionnaire_submit(
        questionnaire=scene.questionnaire,
        person=scene.helene,
        answers=good_answers(scene.questions),
    )
    questionnaire_close(questionnaire=scene.questionnaire, actor=scene.cornu)
    (delivery,) = Delivery.objects.filter(key__contains=":confirmation:")
    body = text_of(_message(delivery))
    assert "ne peuvent plus vous être montrées" in body and "Une association" not in body


def test_beat_runs_the_reminders_task_which_sends_what_is_due_now():
    from config.celery import app
    from mailbridge.questionnaires.tasks import send_questionnaire_reminders

    entry = app.conf.beat_schedule["mailbridge.send_questionnaire_reminders"]
    assert entry["task"] in app.tasks
    scene = QuestionnaireScene()
    questionnaire = scene.questionnaire
    now = timezone.now()
    questionnaire.closes_at = now + timedelta(days=2, hours=-1)  # "2 days before": an hour ago
    questionnaire.save(update_fields=["closes_at"])
    questionnaire_send(questionnaire=questionnaire, actor=scene.cornu)
    type(questionnaire).objects.filter(pk=questionnaire.pk).update(sent_at=now - timedelta(days=1))

    send_questionnaire_reminders()

    assert _addresses(Delivery.objects.filter(key=reminder_key(questionnaire.pk, 2))) >= {
        HELENE.lower()
    }
    assert not Delivery.objects.filter(key=reminder_key(questionnaire.pk, 1)).exists()
