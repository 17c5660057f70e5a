"""detect_auto_reply: programs' answers are neither posted nor answered (RFC 3834)."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser

import pytest

from forum.models import Post
from mailbridge.inbound.context import InboundContext
from mailbridge.inbound.steps.detect_auto_reply import auto_reply_sign
from mailbridge.models import Delivery, DeliveryKind, InboundStatus
from mailbridge.tests.inbound.factories import HELENE, Scene, member


def test_a_french_vacation_reply_is_rejected_and_gets_no_notice(gateway):
    scene = Scene()
    stored = gateway.send(
        scene.fixture("autoreply_vacation_fr.eml"), mail_from="", rcpt_tos=[scene.address]
    ).message()
    assert (stored.status, stored.reason) == (InboundStatus.REJECTED, "auto_reply")
    assert "Auto-Submitted: auto-replied" in stored.trail[-1]["detail"]
    assert Post.objects.count() == 1
    assert not Delivery.objects.filter(kind=DeliveryKind.NOTICE).exists()


def test_an_english_out_of_office_known_only_by_its_subject_is_rejected(gateway):
    scene = Scene()
    member(scene.board, "j.smith@coop-example.org.uk", language="en")
    stored = gateway.send(
        scene.fixture("autoreply_out_of_office_en.eml"),
        mail_from="j.smith@coop-example.org.uk",
        rcpt_tos=[scene.list_address],
    ).message()
    assert (stored.status, stored.reason) == (InboundStatus.REJECTED, "auto_reply")
    assert "Out of Office" in stored.trail[-1]["detail"]
    assert not Delivery.objects.filter(kind=DeliveryKind.NOTICE).exists()


def _sign(headers: str, *, mail_from: str = HELENE) -> str:
    raw = (headers.strip() + "\n\nBonjour.\n").encode()
    ctx = InboundContext(inbound_id=0, raw=raw, mail_from=mail_from, rcpt_tos=[])
    ctx.message = BytesParser(policy=policy.default).parsebytes(raw)
    ctx.subject = str(ctx.message.get("Subject", ""))
    return auto_reply_sign(ctx)


@pytest.mark.parametrize(
    "headers",
    [
        "Subject: Re: x\nAuto-Submitted: auto-generated",
        "Subject: Re: x\nX-Autoreply: yes",
        "Subject: Re: x\nX-Autorespond: vacation",
        "Subject: Re: x\nPrecedence: bulk",
        "Subject: Re: x\nPrecedence: junk",
        "Subject: Re: x\nPrecedence: list",
        "Subject: Re: x\nX-Auto-Response-Suppress: All",
        "Subject: Absent du bureau : [session] Qui vient ?",
        "Subject: Réponse automatique : Qui vient ?",
        "Subject: RÉPONSE AUTOMATIQUE: Qui vient ?",
        "Subject: Automatic reply: Who comes?",
        "Subject: Out of office",
        "Subject: Abwesenheitsnotiz: Wer kommt?",
        "Subject: Respuesta automática: ¿Quién viene?",
        "Content-Type: multipart/report; report-type=disposition-notification; boundary=x\n"
        "Subject: Lu",
    ],
)
def test_messages_written_by_programs_are_recognised(headers):
    assert _sign(headers)


def test_the_null_sender_and_mailer_daemon_are_programs():
    assert _sign("Subject: Re: x", mail_from="") == "null envelope sender"
    assert _sign("Subject: Re: x", mail_from="MAILER-DAEMON@mx.exemple.org")


@pytest.mark.parametrize(
    "headers",
    [
        "Subject: Re: [session] Absence de Paul au bureau mercredi ?",
        "Subject: Re: x\nAuto-Submitted: no",
        "Subject: Re: x\nPrecedence: first-class",
        "Subject: Re: x\nX-Auto-Response-Suppress: DR, RN, NRN",
        "Subject: Réponse à votre question sur les automatismes",
    ],
)
def test_what_people_write_is_not_taken_for_an_auto_reply(headers):
    assert _sign(headers) == ""
