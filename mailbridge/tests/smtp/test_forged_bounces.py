"""Delivery reports sent over SMTP to a public address: only a report that proves it
answers mail we sent may count against a person's mailbox (mailbridge/bounces.py).

Anyone can write a DSN naming a member's address. Sent to a list address (not to the
VERP address of a delivery), it proves nothing unless the message it returns carries
our Message-ID and the reply token we gave that member in it.
"""

from __future__ import annotations

from django.utils import timezone

from mailbridge.models import Bounce, Delivery, DeliveryKind, DeliveryStatus, MailboxHealth
from mailbridge.outbound.message import Recipient, message_id_for, post_message_build
from mailbridge.tests.inbound.factories import MARC, Scene, member, reply_to

THRESHOLD = 5  # INTERCOOP_BOUNCE_THRESHOLD's default: three hard bounces suspend


def _sent_to(person) -> Delivery:
    """The list mail of the scene's post went out to `person` (SENT, as the outbox
    leaves it)."""
    delivery = Delivery.objects.get(recipient=person, kind=DeliveryKind.POST)
    delivery.status, delivery.sent_at = DeliveryStatus.SENT, timezone.now()
    delivery.save(update_fields=["status", "sent_at"])
    return delivery


def _report(scene: Scene, recipient: str, *, reply_to_address: str, message_id: str = "") -> bytes:
    """A Postfix report to the list address, returning the headers of a message."""
    return scene.fixture(
        "dsn_to_list_headers_returned.eml",
        RECIPIENT=recipient,
        REPLY_TO=reply_to_address,
        MESSAGE_ID=message_id or message_id_for(scene.post.pk),
    )


def _still_mailed(person) -> bool:
    health = MailboxHealth.objects.filter(user=person).first()
    return health is None or (health.bounce_score == 0 and health.suspended_at is None)


def test_forged_reports_at_a_list_address_are_recorded_and_never_scored(gateway, settings):
    settings.INTERCOOP_BOUNCE_THRESHOLD = THRESHOLD
    scene = Scene()
    victim = scene.helene
    _sent_to(victim)
    forger = member(scene.board, MARC)
    forgeries = [
        # The shape of a real report, naming the victim, nothing returned.
        scene.fixture("dsn_forged_no_headers_returned.eml", RECIPIENT=victim.email),
        # Our Message-ID (every member of the list sees it), but no reply token.
        _report(scene, victim.email, reply_to_address=scene.list_address),
        # Our Message-ID and a real reply token: the forger's own, not the victim's.
        _report(scene, victim.email, reply_to_address=reply_to(scene.post, forger)),
    ]
    stored = [
        gateway.send(data, mail_from="", rcpt_tos=[scene.list_address]).message()
        for data in forgeries
    ]
    assert _still_mailed(victim) and _still_mailed(forger)
    for message in stored:
        assert (message.status, message.reason) == ("bounce", "bounce")
        assert "not scored" in message.trail[-1]["detail"]
    # Kept for the organisers, attributed to no delivery.
    recorded = Bounce.objects.filter(user=victim)
    assert recorded.count() == 3 and not recorded.exclude(delivery=None).exists()


def test_a_report_returning_our_message_with_the_recipients_token_is_scored(gateway):
    scene = Scene()
    victim = scene.helene
    delivery = _sent_to(victim)
    data = _report(scene, victim.email.upper(), reply_to_address=scene.address)
    stored = gateway.send(data, mail_from="", rcpt_tos=[scene.list_address]).message()
    assert (stored.status, stored.reason) == ("bounce", "bounce")
    assert f"delivery {delivery.pk}" in stored.trail[-1]["detail"]
    bounce = Bounce.objects.get()
    assert (bounce.delivery, bounce.user, bounce.status) == (delivery, victim, "5.1.1")
    assert MailboxHealth.objects.get(user=victim).bounce_score == 2


def test_a_token_for_another_message_or_another_recipient_proves_nothing(gateway):
    scene = Scene()
    victim = scene.helene
    _sent_to(victim)
    # The victim's token, but the Message-ID of a message we never sent.
    other_post = _report(
        scene, victim.email, reply_to_address=scene.address, message_id="<post-999999@exemple.org>"
    )
    # The victim's token and our Message-ID, but naming someone else as the recipient.
    other_recipient = _report(scene, "quelquun@exemple.org", reply_to_address=scene.address)
    stored = [
        gateway.send(data, mail_from="", rcpt_tos=[scene.list_address]).message()
        for data in (other_post, other_recipient)
    ]
    assert _still_mailed(victim)
    assert all("not scored" in message.trail[-1]["detail"] for message in stored)
    assert not Bounce.objects.exclude(delivery=None).exists()


def test_a_report_returning_the_whole_copy_we_sent_is_scored(gateway):
    scene = Scene()
    victim = scene.helene
    delivery = _sent_to(victim)
    copy = post_message_build(scene.post).for_recipient(
        Recipient(user_id=victim.pk, address=victim.email)
    )
    data = scene.fixture(
        "dsn_gmail_message_returned.eml",
        RECIPIENT=victim.email,
        RETURNED_MESSAGE=copy.decode("utf-8"),
    )
    stored = gateway.send(data, mail_from="", rcpt_tos=[scene.list_address]).message()
    assert f"delivery {delivery.pk}" in stored.trail[-1]["detail"]
    assert Bounce.objects.get().delivery == delivery
    assert MailboxHealth.objects.get(user=victim).bounce_score == 2
