"""The per-sender and per-client limits count accepted messages, over a real socket.

An envelope sender is whatever the client types after MAIL FROM: a stranger can
type a member's address. What they do with it must not throttle the member's own
mail: recipients announced without a message count for nothing, and replies
carrying a valid reply token draw on an allowance of their own (smtp/ratelimit.py).
"""

from __future__ import annotations

import pytest
from limits import parse

from mailbridge.smtp.ratelimit import SenderLimiter
from mailbridge.tests.inbound.factories import Scene
from mailbridge.tests.inbound.support import RunningGateway

LIST_MAIL = (
    b"From: {sender}\r\nSubject: Bonjour\r\nMessage-ID: <{number}@exemple.org>\r\n\r\nTexte.\r\n"
)


@pytest.fixture
def scene(transactional_db, eager_celery):
    return Scene()


def _running(**limits) -> RunningGateway:
    return RunningGateway(limiter=SenderLimiter(**limits))


def _message(scene: Scene, number: int) -> bytes:
    return LIST_MAIL.replace(b"{sender}", scene.helene.email.encode()).replace(
        b"{number}", str(number).encode()
    )


def _reply(scene: Scene, number: int) -> bytes:
    return scene.fixture("reply_thunderbird_fr.eml").replace(
        b"Message-ID: <", f"Message-ID: <{number}.".encode(), 1
    )


def test_recipients_without_a_message_do_not_count_against_the_sender(scene):
    gateway = _running(per_sender=parse("30/10 minutes"), per_peer=None)
    try:
        spoofer = gateway.client()
        for _number in range(30):  # MAIL FROM the member, a recipient, never any DATA
            assert spoofer.mail(scene.helene.email)[0] == 250
            assert spoofer.rcpt(scene.list_address)[0] == 250
            spoofer.rset()
        spoofer.quit()
        conversation = gateway.send(
            _reply(scene, 1), mail_from=scene.helene.email, rcpt_tos=[scene.address]
        )
        assert conversation.rcpt[scene.address][0] == 250
        assert conversation.data[0] == 250
        plain = gateway.send(
            _message(scene, 2), mail_from=scene.helene.email, rcpt_tos=[scene.list_address]
        )
        assert plain.data[0] == 250
    finally:
        gateway.close()


def test_accepted_messages_count_and_a_reply_token_has_its_own_allowance(scene):
    gateway = _running(per_sender=parse("3/10 minutes"), per_peer=None)
    try:
        # A stranger sends three real messages to the list as the member.
        for number in range(3):
            sent = gateway.send(
                _message(scene, number), mail_from=scene.helene.email, rcpt_tos=[scene.list_address]
            )
            assert sent.data[0] == 250
        over = gateway.send(
            _message(scene, 9), mail_from=scene.helene.email, rcpt_tos=[scene.list_address]
        )
        code, text = over.rcpt[scene.list_address]
        assert (code, text[:6]) == (452, "4.7.1 ")
        # The member's replies (their reply token) are not throttled by that.
        for number in range(3):
            reply = gateway.send(
                _reply(scene, 10 + number), mail_from=scene.helene.email, rcpt_tos=[scene.address]
            )
            assert reply.rcpt[scene.address][0] == 250 and reply.data[0] == 250
        # Their allowance is a limit too.
        fourth = gateway.send(
            _reply(scene, 20), mail_from=scene.helene.email, rcpt_tos=[scene.address]
        )
        assert fourth.rcpt[scene.address][0] == 452
    finally:
        gateway.close()


def test_a_client_over_its_limit_does_not_hold_back_replies_with_a_token(scene):
    gateway = _running(per_sender=None, per_peer=parse("2/10 minutes"))
    try:
        for number in range(2):
            sent = gateway.send(
                _message(scene, number), mail_from="x@exemple.org", rcpt_tos=[scene.list_address]
            )
            assert sent.data[0] == 250
        over = gateway.send(
            _message(scene, 3), mail_from="y@exemple.org", rcpt_tos=[scene.list_address]
        )
        assert over.rcpt[scene.list_address][0] == 452
        reply = gateway.send(
            _reply(scene, 4), mail_from=scene.helene.email, rcpt_tos=[scene.address]
        )
        assert reply.data[0] == 250
    finally:
        gateway.close()
