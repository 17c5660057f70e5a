"""The questionnaire mail built once per text and completed per person (spliced), as
list mail is: each copy reads as the message built whole for that person, carries
that person's links, reply address and unsubscribe link, is DKIM-signed over its list
headers, and leaves with its own bounce address."""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import dkim as dkimpy
import pytest
from django.utils import timezone

from forum.questionnaire_tokens import verify_link_token
from forum.services.questionnaire_sending import questionnaire_send
from mailbridge import dkim
from mailbridge.models import Delivery, DeliveryKind, DeliveryStatus
from mailbridge.outbound.claims import outbox_claim
from mailbridge.outbound.sender import outbox_send_due
from mailbridge.questionnaires.mailing import reminder_write, sent_key
from mailbridge.questionnaires.message import build_alone, build_questionnaire_message
from mailbridge.tests.listmail_support import list_mail_settings  # noqa: F401 - autouse
from mailbridge.tests.outbound.conftest import relay_settings
from mailbridge.tests.questionnaire_support import (
    HELENE,
    QuestionnaireScene,
    assert_spliced_reads_as_whole,
    parse,
    text_of,
    unstamped,
)
from mailbridge.tests.sink import SinkHandler, SmtpSink
from mailbridge.tests.test_dkim import dns_returning, keygen  # noqa: F401 - fixture
from mailbridge.tokens import verify_bounce_token
from mailbridge.unsubscribe import unsubscribe_url

pytestmark = pytest.mark.django_db

PERSONAL = {"to", "reply-to", "list-unsubscribe", "message-id"}


def _scene():
    scene = QuestionnaireScene()
    scene.ann = scene.participant("ann@example.org", "Ann O'Neil", language="en")
    scene.chloe = scene.participant("chloé@exemple.org", "Chloé « Zoé » Dubœuf")
    questionnaire_send(questionnaire=scene.questionnaire, actor=scene.cornu)
    return scene


def _claimed():
    """The rows as the sender claims them (with the recipient's language and name)."""
    rows = outbox_claim(limit=100, due_before=timezone.now() + timedelta(seconds=1))
    return {row.address.lower(): row for row in rows}


def _headers(message):
    return sorted((name.lower(), str(value)) for name, value in message.items())


def _links(body: str) -> list[str]:
    return re.findall(r"https://\S+/questionnaires/\S+", body)


@pytest.mark.parametrize("reminder", [False, True])
def test_a_spliced_copy_reads_as_the_message_built_whole_for_that_person(reminder):
    scene = _scene()
    if reminder:
        reminder_write(scene.questionnaire, 1)
        Delivery.objects.filter(key=sent_key(scene.questionnaire.pk)).update(
            status=DeliveryStatus.SENT
        )
    rows = _claimed()
    assert {HELENE.lower(), "ann@example.org", "chloé@exemple.org"} <= set(rows)
    for address, person in ((HELENE, scene.helene), ("ann@example.org", scene.ann)):
        row = rows[address.lower()]
        spliced = assert_spliced_reads_as_whole(row)
        # And it is this person's: their links, reply address, unsubscribe link, name.
        body = text_of(spliced)
        link, decline = _links(body)
        token = link.rstrip("/").rsplit("/", 1)[-1]
        assert verify_link_token(token).user_id == person.pk
        assert decline == link + "decliner/"
        assert spliced["Reply-To"].addresses[0].addr_spec.startswith("answers+")
        assert unsubscribe_url(person.pk, scene.board.pk) in spliced["List-Unsubscribe"]
        assert spliced["To"].addresses[0].display_name == person.profile.display_name
        assert (
            spliced["Message-ID"] == f"<{DeliveryKind.QUESTIONNAIRE}-{row.id}@lists.intercoop.test>"
        )
        if reminder:
            assert "Le voici de nouveau" in body or "Here it is again" in body
    english = parse(build_questionnaire_message(rows["ann@example.org"]))
    assert "Or answer this email" in text_of(english)
    # A name with quotes and accents, an address whose local part is not ASCII.
    chloe = rows["chloé@exemple.org"]
    raw = build_questionnaire_message(chloe)
    assert parse(raw)["To"].addresses[0].display_name == "Chloé « Zoé » Dubœuf"
    assert _headers(parse(raw)) != [] and b"To: " in raw
    whole = parse(build_alone(SimpleNamespace(id=chloe.id)))
    assert unstamped(text_of(parse(raw))) == unstamped(text_of(whole))


def test_two_peoples_copies_differ_only_in_what_is_theirs():
    scene = _scene()
    rows = _claimed()
    first = parse(build_questionnaire_message(rows[HELENE.lower()]))
    second = parse(build_questionnaire_message(rows["chloé@exemple.org"]))
    shared = {n: v for n, v in _headers(first) if n not in PERSONAL | {"date"}}
    assert shared == {n: v for n, v in _headers(second) if n not in PERSONAL | {"date"}}
    for name in PERSONAL:
        assert str(first[name]) != str(second[name])
    lines_first = text_of(first).splitlines()
    lines_second = text_of(second).splitlines()
    differing = [a for a, b in zip(lines_first, lines_second, strict=True) if a != b]
    assert differing == _links(text_of(first))
    assert scene.questionnaire.pk


def test_a_row_written_before_the_marks_is_still_sent_as_it_was_written():
    scene = _scene()
    delivery = Delivery.objects.get(key=sent_key(scene.questionnaire.pk), address__iexact=HELENE)
    old_style = build_alone(SimpleNamespace(id=delivery.pk))
    payload = delivery.payload
    # What the rows held before: the person's text, their reply address, no marks.
    personal = parse(old_style)
    Delivery.objects.filter(pk=delivery.pk).update(
        payload={
            "subject": payload["subject"],
            "text": text_of(personal),
            "language": "fr",
            "reply_to": personal["Reply-To"].addresses[0].addr_spec,
            "questionnaire_id": scene.questionnaire.pk,
            "board_id": scene.board.pk,
        }
    )
    row = _claimed()[HELENE.lower()]
    again = parse(build_questionnaire_message(row))
    assert text_of(again) == text_of(personal)  # the very text the row holds
    assert again["Reply-To"] == personal["Reply-To"]


def test_copies_sent_through_the_outbox_are_signed_over_their_list_headers_and_bounce_apart(
    keygen,  # noqa: F811 - the fixture
    settings,
):
    _path, name, value, _output = keygen()
    settings.INTERCOOP_DKIM_SELECTOR = "intercoop2007"
    scene = _scene()
    with SmtpSink(SinkHandler()) as sink:
        relay_settings(settings, sink.port)
        report = outbox_send_due()
    received = {r.recipients[0].lower(): r for r in sink.handler.received}
    assert report.claimed == len(received) == Delivery.objects.count()
    # An address whose local part is not ASCII goes out with SMTPUTF8 (RFC 6531).
    assert {HELENE.lower(), "ann@example.org", "chloé@exemple.org"} <= set(received)
    for address, mail in received.items():
        assert dkimpy.verify(mail.data, dnsfunc=dns_returning(name, value))
        head = mail.data.split(b"\r\n\r\n")[0].decode("utf-8").replace("\r\n", "")
        signed = re.search(r"h=([^;]+);", head).group(1).replace(" ", "").split(":")
        assert {"list-unsubscribe", "list-unsubscribe-post", "reply-to", "from"} <= set(signed)
        delivery = Delivery.objects.get(address__iexact=address)
        local = mail.mail_from.split("@")[0]
        assert local.startswith("bounces+")
        assert verify_bounce_token(local.removeprefix("bounces+")) == delivery.pk
        assert delivery.status == DeliveryStatus.SENT
    assert dkim  # the signing hook the sender calls
    assert scene.questionnaire.pk
