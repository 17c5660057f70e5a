"""The confirmation of an answer built from its questionnaire's shared parts and the
person's answers read when it is sent: each copy reads as the message built whole
for that person (same headers, same text), shows the answers recorded at that
moment (never another person's), keeps an anonymous questionnaire's sealed answers
out of sight, and is DKIM-signed through the outbox."""

from __future__ import annotations

from datetime import timedelta

import dkim as dkimpy
import pytest
from django.utils import timezone

from forum.models import Anonymity
from forum.services.answers import questionnaire_submit
from forum.tests.questionnaire_factories import good_answers
from mailbridge.models import Delivery, DeliveryStatus
from mailbridge.outbound.claims import outbox_claim
from mailbridge.outbound.sender import outbox_send_due
from mailbridge.questionnaires.message import build_questionnaire_message
from mailbridge.tests.listmail_support import list_mail_settings  # noqa: F401 - autouse
from mailbridge.tests.outbound.conftest import relay_settings
from mailbridge.tests.questionnaire_support import (
    HELENE,
    QuestionnaireScene,
    assert_spliced_reads_as_whole,
    parse,
    text_of,
)
from mailbridge.tests.sink import SinkHandler, SmtpSink
from mailbridge.tests.test_dkim import dns_returning, keygen  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db

# A free text no shortcut survives: longer than a quoted-printable line, accents, an
# equals sign, lines of their own ended as a browser's text area ends them (CRLF), spaces
# at a line's end.
STORY = (
    "Le budget = 3 × 1 000 € ; personne n'a osé le dire, ni à la réunion de juin ni "
    "après, et l'équipe s'est défaite — « c'était prévisible », disait Zoé.  \r\n"
    "Une seconde ligne, courte.\r\n\r\nUne troisième, après un blanc.   "
)


def _confirmations():
    """The confirmation rows as the sender claims them, by address."""
    rows = outbox_claim(limit=100, due_before=timezone.now() + timedelta(seconds=1))
    return {row.address.lower(): row for row in rows if ":confirmation:" in _key(row)}


def _key(row) -> str:
    return Delivery.objects.values_list("key", flat=True).get(pk=row.id)


def _answer(scene, person, **changes):
    questionnaire_submit(
        questionnaire=scene.questionnaire,
        person=person,
        answers=good_answers(scene.questions, **changes),
    )


@pytest.mark.parametrize("anonymity", [Anonymity.NAMED, Anonymity.ANONYMOUS])
def test_a_confirmation_from_shared_parts_reads_as_the_one_built_whole(anonymity):
    scene = QuestionnaireScene(anonymity=anonymity)
    ann = scene.participant("ann@example.org", "Ann O'Neil", language="en")
    chloe = scene.participant("chloé@exemple.org", "Chloé « Zoé » Dubœuf")
    _answer(scene, scene.helene, story=STORY, name="Les Colibris du Vercors")
    _answer(scene, ann, name="The Hummingbirds", trust="2", step_back="no")
    _answer(scene, chloe, name="Les Castors")
    rows = _confirmations()
    assert set(rows) == {HELENE.lower(), "ann@example.org", "chloé@exemple.org"}

    helene = text_of(assert_spliced_reads_as_whole(rows[HELENE.lower()]))
    assert STORY.splitlines()[0].rstrip() in helene and "Les Colibris du Vercors" in helene
    assert "4 sur 5" in helene and "Castors" not in helene and "Hummingbirds" not in helene
    english = assert_spliced_reads_as_whole(rows["ann@example.org"])
    assert "The Hummingbirds" in text_of(english) and "2 out of 5" in text_of(english)
    assert "Your answers are recorded" in english["Subject"]
    castors = assert_spliced_reads_as_whole(rows["chloé@exemple.org"])
    assert "Les Castors" in text_of(castors) and "Colibris" not in text_of(castors)
    assert castors["To"].addresses[0].display_name == "Chloé « Zoé » Dubœuf"
    for row in rows.values():
        assert "Colibris" not in str(row.payload) and "Castors" not in str(row.payload)


def test_a_confirmation_shows_the_answers_recorded_when_it_is_sent():
    scene = QuestionnaireScene()
    _answer(scene, scene.helene, name="Premier nom")
    _answer(scene, scene.helene, name="Second nom")
    rows = outbox_claim(limit=10, due_before=timezone.now() + timedelta(seconds=1))
    assert len(rows) == 2  # one confirmation per submission
    for row in rows:
        body = text_of(parse(build_questionnaire_message(row)))
        assert "Second nom" in body and "Premier nom" not in body


def test_an_anonymous_confirmation_sent_after_the_seal_shows_no_answer():
    from forum.services.questionnaires import questionnaire_close

    scene = QuestionnaireScene(anonymity=Anonymity.ANONYMOUS)
    _answer(scene, scene.helene)
    questionnaire_close(questionnaire=scene.questionnaire, actor=scene.cornu)
    (row,) = _confirmations().values()
    body = text_of(assert_spliced_reads_as_whole(row))
    assert "ne peuvent plus vous être montrées" in body and "Une association" not in body


def test_confirmations_sent_through_the_outbox_are_signed_and_show_each_persons_answers(
    keygen,  # noqa: F811 - the fixture
    settings,
):
    _path, name, value, _output = keygen()
    settings.INTERCOOP_DKIM_SELECTOR = "intercoop2007"
    scene = QuestionnaireScene()
    ann = scene.participant("ann@example.org", "Ann O'Neil", language="en")
    _answer(scene, scene.helene, story=STORY)
    _answer(scene, ann, name="The Hummingbirds")
    with SmtpSink(SinkHandler()) as sink:
        relay_settings(settings, sink.port)
        report = outbox_send_due()
    received = {r.recipients[0].lower(): r for r in sink.handler.received}
    assert report.sent == 2 and set(received) == {HELENE.lower(), "ann@example.org"}
    for mail in received.values():
        assert dkimpy.verify(mail.data, dnsfunc=dns_returning(name, value))
    assert "The Hummingbirds" in text_of(parse(received["ann@example.org"].data))
    assert "personne n'a osé le dire" in text_of(parse(received[HELENE.lower()].data))
    assert not Delivery.objects.exclude(status=DeliveryStatus.SENT).exists()


@pytest.mark.parametrize("anonymity, reads", [(Anonymity.NAMED, 1), (Anonymity.ANONYMOUS, 3)])
def test_a_batch_reads_its_questionnaire_once_but_an_anonymous_one_for_each_copy(anonymity, reads):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    scene = QuestionnaireScene(anonymity=anonymity)
    for person in (scene.helene, *(scene.participant(f"p{n}@exemple.org", "P") for n in (1, 2))):
        _answer(scene, person)
    rows = list(_confirmations().values())
    assert len(rows) == 3 and len({row.claim for row in rows}) == 1  # one claimed batch
    with CaptureQueriesContext(connection) as queries:
        bodies = [text_of(parse(build_questionnaire_message(row))) for row in rows]
    found = [q for q in queries.captured_queries if 'FROM "forum_questionnaire"' in q["sql"]]
    assert len(found) == reads and all("Une association" in body for body in bodies)


def test_an_anonymous_batch_built_across_the_close_shows_no_answer_after_it():
    from forum.services.questionnaires import questionnaire_close

    scene = QuestionnaireScene(anonymity=Anonymity.ANONYMOUS)
    paul = scene.participant("paul@exemple.org", "Paul")
    _answer(scene, scene.helene)
    _answer(scene, paul)
    rows = _confirmations()
    before = text_of(parse(build_questionnaire_message(rows[HELENE.lower()])))
    assert "Une association" in before
    questionnaire_close(questionnaire=scene.questionnaire, actor=scene.cornu)
    after = text_of(parse(build_questionnaire_message(rows["paul@exemple.org"])))
    assert "Une association" not in after and "ne peuvent plus vous être montrées" in after
