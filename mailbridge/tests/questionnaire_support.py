"""A session whose questionnaire is ready to send, for the questionnaire mail tests:
its board (the list the mails come from), its facilitator, and participants."""

from __future__ import annotations

import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from types import SimpleNamespace

from forum.tests.board_factories import make_facilitator
from forum.tests.factories import make_registration, make_user
from forum.tests.questionnaire_factories import make_questionnaire
from mailbridge.questionnaires.message import build_alone, build_questionnaire_message
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


def unstamped(body: str) -> str:
    """The text with its link tokens' time stamps left out: a link made a second
    later carries another stamp (a TimestampSigner's), and is as good."""
    return re.sub(r"(/questionnaires/\d+\.\d+):[^/]+", r"\1:…", body)


def assert_spliced_reads_as_whole(row) -> EmailMessage:
    """The outbox row's copy, spliced from shared parts, against the same message built
    whole for that row: every line ended by CRLF, every header the same (Date: when each
    was built, a moment apart), the same text once the link stamps are left out. The
    spliced copy."""
    raw = build_questionnaire_message(row)
    assert re.search(rb"\r(?!\n)|(?<!\r)\n", raw) is None, "a line not ended by CRLF"
    spliced = parse(raw)
    whole = parse(build_alone(SimpleNamespace(id=row.id)))
    assert _headers(spliced, but="date") == _headers(whole, but="date")
    delay = parsedate_to_datetime(whole["Date"]) - parsedate_to_datetime(spliced["Date"])
    assert abs(delay.total_seconds()) < 5
    assert unstamped(text_of(spliced)) == unstamped(text_of(whole))
    assert spliced.get_content_type() == whole.get_content_type() == "text/plain"
    return spliced


def _headers(message: EmailMessage, but: str) -> list[tuple[str, str]]:
    found = ((name.lower(), str(value)) for name, value in message.items())
    return sorted(header for header in found if header[0] != but)
