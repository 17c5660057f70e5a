"""A session whose questionnaire is ready to send, for the questionnaire mail tests:
its board (the list the mails come from), its facilitator, and participants."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from forum.tests.board_factories import make_facilitator
from forum.tests.factories import make_registration, make_user
from forum.tests.questionnaire_factories import make_questionnaire
from mailbridge.tests.outbound.factories import make_board

HELENE = "Helene.Martin@exemple.coop"
PAUL = "paul.durand@exemple.org"


class QuestionnaireScene:
    def __init__(self, **options):
        self.board = make_board(slug="session-questionnaire", title="Coopérer dans un groupe")
        self.session = self.board.session
        self.event = self.board.event
        self.cornu = make_facilitator(self.session, display_name="Jean-Michel Cornu")
        self.questionnaire, self.questions = make_questionnaire(
            self.session, builder=self.cornu, **options
        )
        self.helene = self.participant(HELENE, "Hélène Martin")

    def participant(self, email: str, name: str, *, language: str = "fr"):
        person = make_user(email=email, display_name=name)
        if language != "fr":
            person.profile.language = language
            person.profile.save(update_fields=["language"])
        make_registration(user=person, event=self.event, sessions=[self.session])
        return person

    def refresh(self):
        self.questionnaire.refresh_from_db()
        return self.questionnaire


def parse(raw: bytes) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(raw)


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")


def mails_to(sink, address: str) -> list[EmailMessage]:
    return [
        parse(received.data)
        for received in sink.received
        if tuple(a.lower() for a in received.recipients) == (address.lower(),)
    ]
