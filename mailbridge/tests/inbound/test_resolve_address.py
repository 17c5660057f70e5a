"""resolve_address: one SMTP transaction, one decision, whatever its recipients."""

from __future__ import annotations

from forum.models import Post
from mailbridge.inbound.processing import inbound_process
from mailbridge.models import InboundMessage, InboundStatus
from mailbridge.tests.inbound.factories import HELENE, Scene
from mailbridge.tests.inbound.support import store_by_hand


def test_reply_all_to_the_token_and_the_list_makes_one_reply(gateway):
    scene = Scene()
    conversation = gateway.send(
        scene.fixture("reply_thunderbird_fr.eml"),
        mail_from=HELENE,
        rcpt_tos=[scene.list_address, scene.address],
    )
    assert [code for code, _text in conversation.rcpt.values()] == [250, 250]
    assert InboundMessage.objects.count() == 1
    stored = conversation.message()
    assert stored.status == InboundStatus.POSTED
    assert stored.post.in_reply_to == scene.post
    assert Post.objects.count() == 2
    assert f"also sent to {scene.list_address}" in stored.trail[4]["detail"]


def test_mail_to_a_list_deleted_after_the_rcpt_check_is_rejected_with_a_reason(db):
    scene = Scene()
    row = store_by_hand(
        scene.fixture("new_thread_gmail_fr.eml"),
        mail_from=HELENE,
        rcpt_tos=["disparue@lists.intercoop.test"],
    )
    assert inbound_process(inbound_id=row.pk) == InboundStatus.REJECTED
    row.refresh_from_db()
    assert row.reason == "unknown_list"


def test_mail_to_none_of_our_addresses_is_rejected_as_unknown_address(db):
    row = store_by_hand(b"From: a@b.c\r\n\r\nx\r\n", mail_from="a@b.c", rcpt_tos=["x@y.z"])
    inbound_process(inbound_id=row.pk)
    row.refresh_from_db()
    assert (row.status, row.reason) == (InboundStatus.REJECTED, "unknown_address")
