"""parse: what the gateway stored becomes a message, or a readable refusal."""

from __future__ import annotations

import pytest

from mailbridge.models import Delivery, DeliveryKind, InboundStatus
from mailbridge.tests.inbound.factories import HELENE, JACQUES, Scene, member, reply_to, token_of
from mailbridge.tests.inbound.support import fixture


@pytest.fixture
def scene(gateway):
    return Scene()


def test_a_reply_in_latin1_without_a_declared_charset_is_posted_readable(gateway, scene):
    jacques = member(scene.board, JACQUES, name="Jacques Dupré")
    address = reply_to(scene.post, jacques)
    data = fixture("latin1_no_charset.eml", TOKEN=token_of(address))
    conversation = gateway.send(data, mail_from=JACQUES, rcpt_tos=[address])
    stored = conversation.message()
    assert stored.status == InboundStatus.POSTED, stored.trail
    assert "un témoignage sur la coopérative de l'école : les élèves" in stored.post.body_text
    assert stored.post.author == jacques
    assert stored.from_address == JACQUES


def test_garbled_mime_is_processed_to_a_decision_without_an_error(gateway, scene):
    conversation = gateway.send(
        scene.fixture("garbled_mime.eml"), mail_from=HELENE, rcpt_tos=[scene.address]
    )
    assert conversation.data[0] == 250
    stored = conversation.message()
    assert stored.status in {InboundStatus.POSTED, InboundStatus.REJECTED}
    assert all(entry["outcome"] != "error" for entry in stored.trail), stored.trail
    assert stored.reason


def test_a_message_without_a_sender_address_is_rejected_as_malformed_with_a_notice(gateway, scene):
    data = b"Subject: sans expediteur\r\nMessage-ID: <nofrom@exemple.org>\r\n\r\nBonjour.\r\n"
    conversation = gateway.send(data, mail_from=HELENE, rcpt_tos=[scene.list_address])
    stored = conversation.message()
    assert (stored.status, stored.reason) == (InboundStatus.REJECTED, "malformed")
    assert "no sender address in the From header" in stored.trail[0]["detail"]
    notice = Delivery.objects.get(kind=DeliveryKind.NOTICE)
    assert notice.address == HELENE and notice.key.startswith("notice:malformed:")


def test_bytes_that_are_no_message_at_all_are_rejected_as_malformed(gateway, scene):
    conversation = gateway.send(
        b"\r\n\r\n\x00\x01\x02", mail_from=HELENE, rcpt_tos=[scene.list_address]
    )
    stored = conversation.message()
    assert (stored.status, stored.reason) == (InboundStatus.REJECTED, "malformed")


def test_a_from_header_in_raw_latin1_bytes_is_read_and_recorded_cleanly(gateway, scene):
    data = (
        b"From: J\xe9r\xf4me <j\xe9rome@exemple.org>\r\nSubject: Caf\xe9\r\n"
        b"Message-ID: <latin1-from@exemple.org>\r\n\r\nBonjour \xe0 tous.\r\n"
    )
    stored = gateway.send(
        data, mail_from="jerome@exemple.org", rcpt_tos=[scene.list_address]
    ).message()
    assert (stored.status, stored.reason) == (InboundStatus.HELD, "unknown_sender")
    assert "\ufffd" in stored.from_address or "é" in stored.from_address
    assert all(entry["outcome"] != "error" for entry in stored.trail)
