"""notices: the sender of a refused human message is told why, once, and no robot is."""

from __future__ import annotations

import pytest
from django.utils import timezone

from mailbridge.addresses import AddressKind
from mailbridge.inbound.context import InboundContext, Route
from mailbridge.inbound.notices import build_notice_message, notice_send, why_no_notice
from mailbridge.inbound.reasons import Reason
from mailbridge.models import Delivery, DeliveryKind
from mailbridge.outbound.claims import OutboxRow
from mailbridge.tests.inbound.factories import HELENE, Scene, member


def _ctx(board, *, mail_from=HELENE, reason=Reason.EMPTY, automatic=False, language=""):
    ctx = InboundContext(inbound_id=1, raw=b"", mail_from=mail_from, rcpt_tos=[])
    ctx.board, ctx.reason, ctx.automatic, ctx.language = board, reason, automatic, language
    ctx.status = "rejected"
    ctx.subject, ctx.message_id = "Qui vient ?", "<m1@exemple.coop>"
    ctx.route = Route(AddressKind.LIST, f"{board.slug}@lists.intercoop.test", slug=board.slug)
    return ctx


@pytest.mark.parametrize(
    ("mail_from", "automatic", "why"),
    [
        ("", False, "null sender"),
        (HELENE, True, "automatic mail"),
        ("MAILER-DAEMON@mx.exemple.coop", False, "robot"),
        ("no-reply@exemple.coop", False, "robot"),
        ("liste-request@exemple.coop", False, "robot"),
        ("owner-liste@exemple.coop", False, "robot"),
        ("session@lists.intercoop.test", False, "our own addresses"),
    ],
)
def test_no_notice_ever_goes_to_a_robot_or_answers_one(db, settings, mail_from, automatic, why):
    settings.INTERCOOP_MAIL_DOMAIN = "lists.intercoop.test"
    ctx = _ctx(Scene().board, mail_from=mail_from, automatic=automatic)
    assert why in why_no_notice(ctx)
    assert why in notice_send(ctx)
    assert not Delivery.objects.filter(kind=DeliveryKind.NOTICE).exists()


def test_a_reason_without_notice_sends_none(db):
    ctx = _ctx(Scene().board, reason=Reason.AUTHENTICATION_FAILED)
    assert notice_send(ctx) == "no notice for this reason"


def test_one_notice_per_sender_per_reason_per_day(db):
    board = Scene().board
    assert notice_send(_ctx(board)) == f"notice to {HELENE}"
    assert "already went" in notice_send(_ctx(board))
    assert notice_send(_ctx(board, reason=Reason.THREAD_LOCKED)) == f"notice to {HELENE}"
    keys = sorted(Delivery.objects.values_list("key", flat=True).filter(kind=DeliveryKind.NOTICE))
    today = timezone.localdate().isoformat()
    assert keys == [f"notice:empty:{today}", f"notice:thread_locked:{today}"]


def test_a_known_english_speaker_gets_the_notice_in_english_only(db):
    scene = Scene()
    member(scene.board, "j.smith@coop-example.org.uk", language="en")
    notice_send(_ctx(scene.board, mail_from="j.smith@coop-example.org.uk", language="en"))
    notice = Delivery.objects.get(kind=DeliveryKind.NOTICE)
    assert notice.payload["language"] == "en"
    assert "----------" not in notice.payload["text"]


def test_the_notice_is_marked_as_an_automatic_answer_to_the_refused_message(db):
    scene = Scene()
    notice_send(_ctx(scene.board))
    delivery = Delivery.objects.get(kind=DeliveryKind.NOTICE)
    row = OutboxRow(
        id=delivery.pk, kind=delivery.kind, address=delivery.address, recipient_id=None,
        post_id=None, payload=delivery.payload, attempts=0, language="fr",
    )  # fmt: skip
    wire = build_notice_message(row)
    head = wire.split(b"\r\n\r\n", 1)[0]
    assert b"\r\nAuto-Submitted: auto-replied\r\n" in head
    assert b"auto-generated" not in head
    assert head.startswith(b"In-Reply-To: <m1@exemple.coop>\r\nReferences: <m1@exemple.coop>\r\n")
    assert b"From: Intercoop <session@lists.intercoop.test>" in head
