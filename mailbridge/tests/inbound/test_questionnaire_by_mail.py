"""A questionnaire answered by mail only, on real sockets: the questionnaire mail goes
out through the outbox to an SMTP relay; the participant replies with numbered
answers to its Reply-To, through the gateway; the answers are recorded as the web
form's would be, and a confirmation mail shows them. Unreadable answers get one
reply saying what to fix, and nothing is recorded as answered."""

from __future__ import annotations

from forum.models import RespondentStatus
from forum.selectors.questionnaires import answers_of, respondent_status
from forum.services.questionnaire_sending import questionnaire_send
from forum.tests.questionnaire_factories import choice
from mailbridge.models import InboundMessage, InboundStatus
from mailbridge.tests.outbound.conftest import relay_settings
from mailbridge.tests.questionnaire_support import HELENE, QuestionnaireScene, mails_to, text_of
from mailbridge.tests.sink import SinkHandler, SmtpSink

DOMAIN = "lists.intercoop.test"


def _reply(original, body: str, *, sender: str = HELENE, message_id: str = "<q-1@exemple.coop>"):
    quoted = "\n".join("> " + line for line in text_of(original).splitlines())
    signature = "-- \nHélène Martin\nOxalis\n"
    text = f"{body}\n\n{signature}\nLe 1 juillet 2007, Intercoop a écrit :\n{quoted}\n"
    headers = (
        f"From: Helene Martin <{sender}>\n"
        f"To: {original['Reply-To']}\n"
        f"Subject: Re: {original['Subject']}\n"
        f"Message-ID: {message_id}\n"
        f"In-Reply-To: {original['Message-ID']}\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=UTF-8\n"
        "Content-Transfer-Encoding: 8bit\n"
    )
    return (headers + "\n" + text).replace("\n", "\r\n").encode("utf-8")


def _sent_questionnaire(sink, scene):
    questionnaire_send(questionnaire=scene.questionnaire, actor=scene.cornu)
    assert sink.wait_for(1)
    (mail,) = mails_to(sink, HELENE)
    return mail


def test_answered_by_email_only_recorded_then_confirmed(gateway, settings):
    settings.INTERCOOP_MAIL_DOMAIN = DOMAIN
    with SmtpSink(SinkHandler()) as sink:
        relay_settings(settings, sink.port)
        scene = QuestionnaireScene()
        mail = _sent_questionnaire(sink, scene)
        body = text_of(mail)
        assert "1. Dans quel groupe coopérez-vous ?" in body
        assert "a) Une association / An association" in body
        assert "b) Une collectivité / A local council" in body
        assert "/questionnaires/" in body and "/decliner/" in body
        assert mail["List-Id"] and mail["List-Unsubscribe"]
        reply_to = mail["Reply-To"].addresses[0].addr_spec
        assert reply_to.startswith("answers+") and reply_to.endswith("@" + DOMAIN)

        answers = (
            "Bonjour,\n\n1. b\n2 : a, Un forum\n3) 4\n4 oui\n"
            "5. Les Colibris\n6. Personne n'a osé dire\nque la réunion était trop longue."
        )
        conversation = gateway.send(_reply(mail, answers), mail_from=HELENE, rcpt_tos=[reply_to])

        stored = conversation.message()
        assert stored.status == InboundStatus.ANSWERED, stored.trail
        questions = scene.questions
        recorded = answers_of(questionnaire=scene.questionnaire, person=scene.helene).values
        assert recorded[str(questions["group"].pk)] == [
            str(choice(questions["group"], "Une collectivité"))
        ]
        assert sorted(recorded[str(questions["tools"].pk)]) == sorted(
            [
                str(choice(questions["tools"], "Une liste")),
                str(choice(questions["tools"], "Un forum")),
            ]
        )
        assert recorded[str(questions["trust"].pk)] == "4"
        assert recorded[str(questions["step_back"].pk)] == "yes"
        assert recorded[str(questions["story"].pk)] == (
            "Personne n'a osé dire\nque la réunion était trop longue."
        )
        assert respondent_status(questionnaire=scene.questionnaire, person=scene.helene) == (
            RespondentStatus.ANSWERED
        )
        assert sink.wait_for(2)
        confirmation = mails_to(sink, HELENE)[-1]
        assert "Vos réponses sont enregistrées" in confirmation["Subject"]
        shown = text_of(confirmation)
        assert "Une collectivité" in shown and "4 sur 5" in shown and "Les Colibris" in shown


def test_an_unreadable_reply_gets_one_answer_and_nothing_is_recorded_as_answered(gateway, settings):
    settings.INTERCOOP_MAIL_DOMAIN = DOMAIN
    with SmtpSink(SinkHandler()) as sink:
        relay_settings(settings, sink.port)
        scene = QuestionnaireScene()
        mail = _sent_questionnaire(sink, scene)
        reply_to = mail["Reply-To"].addresses[0].addr_spec

        conversation = gateway.send(
            _reply(mail, "1. z\n3) 4\n9. peut-être"), mail_from=HELENE, rcpt_tos=[reply_to]
        )

        stored = conversation.message()
        assert stored.status == InboundStatus.REJECTED
        assert stored.reason == "questionnaire_unreadable"
        mine = answers_of(questionnaire=scene.questionnaire, person=scene.helene)
        assert not mine.submitted
        assert mine.draft == {str(scene.questions["trust"].pk): "4"}  # kept for the web form
        assert respondent_status(questionnaire=scene.questionnaire, person=scene.helene) is None
        assert sink.wait_for(2)
        (answer,) = mails_to(sink, HELENE)[1:]
        assert answer["In-Reply-To"] == "<q-1@exemple.coop>"
        text = text_of(answer)
        assert "« z » n'est pas une des options" in text
        assert "9. il n'y a pas de question à ce numéro (les questions vont de 1 à 6)" in text
        assert "3. Chacun·e ose-t-il dire son désaccord ?\n   4 sur 5" in text
        assert "/questionnaires/" in text

        # The rest by mail again: the draft and this reply make a whole answer.
        gateway.send(
            _reply(mail, "1. a\n2. b\n4. non", message_id="<q-2@exemple.coop>"),
            mail_from=HELENE,
            rcpt_tos=[reply_to],
        )
        mine = answers_of(questionnaire=scene.questionnaire, person=scene.helene)
        assert mine.submitted and mine.values[str(scene.questions["trust"].pk)] == "4"
        assert InboundMessage.objects.filter(status=InboundStatus.ANSWERED).count() == 1


def test_a_missing_required_answer_is_said_and_nothing_is_submitted(gateway, settings):
    settings.INTERCOOP_MAIL_DOMAIN = DOMAIN
    with SmtpSink(SinkHandler()) as sink:
        relay_settings(settings, sink.port)
        scene = QuestionnaireScene()
        mail = _sent_questionnaire(sink, scene)
        reply_to = mail["Reply-To"].addresses[0].addr_spec

        gateway.send(_reply(mail, "1. a\n2. b\n3. 2"), mail_from=HELENE, rcpt_tos=[reply_to])

        assert not answers_of(questionnaire=scene.questionnaire, person=scene.helene).submitted
        assert sink.wait_for(2)
        text = text_of(mails_to(sink, HELENE)[-1])
        assert "4. Avez-vous vu des personnes se désimpliquer ? — cette question demande" in text


def test_a_reply_from_another_address_is_held_and_records_nothing(gateway, settings):
    settings.INTERCOOP_MAIL_DOMAIN = DOMAIN
    with SmtpSink(SinkHandler()) as sink:
        relay_settings(settings, sink.port)
        scene = QuestionnaireScene()
        mail = _sent_questionnaire(sink, scene)
        reply_to = mail["Reply-To"].addresses[0].addr_spec
        other = "collegue@exemple.coop"

        conversation = gateway.send(
            _reply(mail, "1. a\n2. b\n3. 2\n4. oui", sender=other),
            mail_from=other,
            rcpt_tos=[reply_to],
        )

        stored = conversation.message()
        assert stored.status == InboundStatus.HELD and stored.reason == "sender_mismatch"
        assert not answers_of(questionnaire=scene.questionnaire, person=scene.helene).submitted


def test_a_forged_answers_address_is_refused_at_rcpt(gateway, settings):
    settings.INTERCOOP_MAIL_DOMAIN = DOMAIN
    scene = QuestionnaireScene()
    forged = f"answers+{scene.helene.pk:x}-{scene.questionnaire.pk}-aaaaaaaaaaaaaaaa@{DOMAIN}"
    conversation = gateway.send(b"Subject: x\r\n\r\n1. a\r\n", mail_from=HELENE, rcpt_tos=[forged])
    assert conversation.rcpt[forged][0] == 550
