"""The session's whole method by email only, on real sockets: the questionnaire mail
goes out through a real relay, a numbered reply records the answers, a testimony
written to `<session-slug>+temoignage@` becomes a thread, and the facilitator's
synthesis page counts the answer and lists the testimony."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from forum.models import BoardKind, RespondentStatus
from forum.models import testimony as records
from forum.selectors.questionnaires import respondent_status
from forum.tests.reading import page_text
from mailbridge.models import InboundStatus
from mailbridge.tests.inbound.test_questionnaire_by_mail import DOMAIN, _reply, _sent_questionnaire
from mailbridge.tests.inbound.test_testimonies_by_mail import mail
from mailbridge.tests.outbound.conftest import relay_settings
from mailbridge.tests.questionnaire_support import HELENE, QuestionnaireScene
from mailbridge.tests.sink import SinkHandler, SmtpSink


def test_questionnaire_testimony_and_synthesis_by_email_only(gateway, settings):
    settings.INTERCOOP_MAIL_DOMAIN = DOMAIN
    with SmtpSink(SinkHandler()) as sink:
        relay_settings(settings, sink.port)
        scene = QuestionnaireScene()
        questionnaire_mail = _sent_questionnaire(sink, scene)
        reply_to = questionnaire_mail["Reply-To"].addresses[0].addr_spec
        answers = "1. b\n2 : a\n3) 5\n4 non\n5. Les Colibris\n6. Le bureau se taisait."
        answered = gateway.send(
            _reply(questionnaire_mail, answers), mail_from=HELENE, rcpt_tos=[reply_to]
        )
        assert answered.message().status == InboundStatus.ANSWERED, answered.message().trail
        assert respondent_status(questionnaire=scene.questionnaire, person=scene.helene) == (
            RespondentStatus.ANSWERED
        )

        address = f"{scene.session.slug}+temoignage@{DOMAIN}"
        written = gateway.send(
            mail("Le bureau épuisé", to=address, msgid="temoignage-1"),
            mail_from=HELENE,
            rcpt_tos=[address],
        )
        assert written.rcpt[address][0] == 250
        assert written.message().status == InboundStatus.NEW_THREAD, written.message().trail
        testimony = records.Testimony.objects.get(session=scene.session)
        assert testimony.source == "email" and testimony.author == scene.helene
        assert testimony.thread.title == "Le bureau épuisé"
        assert testimony.thread.board.kind == BoardKind.TESTIMONIES

    client = Client()
    client.force_login(scene.cornu)
    page = client.get(reverse("forum:synthesis", args=[scene.session.slug]))
    html = page.content.decode()
    assert 'data-synthesis-responses="1"' in html
    text = page_text(page)
    assert "Une collectivité" in text and "Le bureau se taisait." in text
    assert "Témoignages par thème" in text
    # Written by mail, it has no theme yet: listed under « Sans thème », signed.
    assert "Sans thème (1)" in text and "Le bureau épuisé — Hélène Martin" in text
