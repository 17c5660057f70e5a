"""detect_loop: our own mail coming back is never posted again, and never answered."""

from __future__ import annotations

from forum.models import Post
from mailbridge.models import Delivery, DeliveryKind, InboundStatus
from mailbridge.tests.inbound.factories import HELENE, Scene


def test_our_own_post_forwarded_back_to_the_list_is_rejected_as_a_loop(gateway):
    scene = Scene()
    posts = Post.objects.count()
    conversation = gateway.send(
        scene.fixture("loop_own_message.eml"), mail_from=HELENE, rcpt_tos=[scene.list_address]
    )
    assert conversation.data[0] == 250
    stored = conversation.message()
    assert (stored.status, stored.reason) == (InboundStatus.REJECTED, "loop")
    assert "X-Intercoop-Post" in stored.trail[-1]["detail"]
    assert Post.objects.count() == posts
    assert not Delivery.objects.filter(kind=DeliveryKind.NOTICE).exists()


def test_our_own_message_id_without_the_marker_is_a_loop_too(gateway):
    scene = Scene()
    data = scene.fixture("loop_own_message.eml").replace(b"X-Intercoop-Post:", b"X-Other:")
    stored = gateway.send(data, mail_from=HELENE, rcpt_tos=[scene.list_address]).message()
    assert (stored.status, stored.reason) == (InboundStatus.REJECTED, "loop")
    assert f"our own Message-ID <post-{scene.post.pk}@" in stored.trail[-1]["detail"]


def test_a_message_that_went_round_too_many_relays_is_a_loop(gateway, settings):
    scene = Scene()
    hops = b"".join(
        b"Received: from relay%d.exemple.org by relay%d.exemple.org;"
        b" Wed, 4 Jul 2007 10:00:00 +0200\r\n" % (n, n + 1)
        for n in range(settings.INTERCOOP_INBOUND_MAX_RECEIVED)
    )
    data = hops + scene.fixture("reply_thunderbird_fr.eml")
    stored = gateway.send(data, mail_from=HELENE, rcpt_tos=[scene.address]).message()
    assert (stored.status, stored.reason) == (InboundStatus.REJECTED, "loop")
    assert "Received headers" in stored.trail[-1]["detail"]
