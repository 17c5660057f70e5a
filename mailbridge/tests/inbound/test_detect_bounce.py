"""detect_bounce: delivery status notifications reach the bounce scoring
(mailbridge/bounces.py)."""

from __future__ import annotations

from django.utils import timezone

from mailbridge.models import Bounce, Delivery, DeliveryKind, InboundStatus
from mailbridge.tests.inbound.factories import Scene, member, token_of
from mailbridge.tokens import bounce_address


def _delivery_to(person, post) -> Delivery:
    return Delivery.objects.create(
        kind=DeliveryKind.POST,
        key=f"post:{post.pk}:test",
        recipient=person,
        address=person.email,
        post=post,
        next_attempt_at=timezone.now(),
    )


def test_a_dsn_to_the_verp_address_is_recorded_against_its_delivery(gateway):
    scene = Scene()
    gone = member(scene.board, "ancien.membre@exemple.coop")
    delivery = _delivery_to(gone, scene.post)
    address = bounce_address(delivery.pk)
    data = scene.fixture("dsn_postfix_user_unknown.eml").replace(
        token_of(scene.address).encode(), token_of(address).encode()
    )
    conversation = gateway.send(data, mail_from="", rcpt_tos=[address])
    assert conversation.rcpt[address][0] == 250 and conversation.data[0] == 250
    stored = conversation.message()
    assert (stored.status, stored.reason) == (InboundStatus.BOUNCE, "bounce")
    bounce = Bounce.objects.get()
    assert (bounce.delivery, bounce.user, bounce.status) == (delivery, gone, "5.1.1")
    assert f"delivery {delivery.pk}" in stored.trail[-1]["detail"]
    assert not Delivery.objects.filter(kind=DeliveryKind.NOTICE).exists()


def test_a_dsn_sent_to_the_list_address_is_still_a_bounce(gateway):
    scene = Scene()
    gone = member(scene.board, "ancien.membre@exemple.coop")
    stored = gateway.send(
        scene.fixture("dsn_postfix_user_unknown.eml"), mail_from="", rcpt_tos=[scene.list_address]
    ).message()
    assert (stored.status, stored.reason) == (InboundStatus.BOUNCE, "bounce")
    assert Bounce.objects.get().user == gone


def test_a_vacation_message_to_the_verp_address_is_refused_silently(gateway):
    scene = Scene()
    address = bounce_address(_delivery_to(scene.helene, scene.post).pk)
    stored = gateway.send(
        scene.fixture("autoreply_vacation_fr.eml"), mail_from="", rcpt_tos=[address]
    ).message()
    assert (stored.status, stored.reason) == (InboundStatus.REJECTED, "not_a_bounce")
    assert not Bounce.objects.exists()
    assert not Delivery.objects.filter(kind=DeliveryKind.NOTICE).exists()
