"""verify_token: the reply address names the post answered; a deleted post is said so."""

from __future__ import annotations

from forum.models import Post
from mailbridge.models import Delivery, DeliveryKind, InboundStatus
from mailbridge.tests.inbound.factories import HELENE, Scene


def test_a_reply_names_the_exact_post_answered(gateway):
    scene = Scene()
    stored = gateway.send(
        scene.fixture("reply_thunderbird_fr.eml"), mail_from=HELENE, rcpt_tos=[scene.address]
    ).message()
    assert stored.post.in_reply_to_id == scene.post.pk
    assert stored.post.thread_id == scene.thread.pk
    assert f"user {scene.helene.pk} answering post {scene.post.pk}" in stored.trail[5]["detail"]


def test_a_reply_to_a_deleted_post_is_rejected_and_the_sender_told(gateway):
    scene = Scene()
    data = scene.fixture("reply_thunderbird_fr.eml")
    Post.objects.filter(pk=scene.post.pk).delete()
    stored = gateway.send(data, mail_from=HELENE, rcpt_tos=[scene.address]).message()
    assert (stored.status, stored.reason) == (InboundStatus.REJECTED, "post_gone")
    notice = Delivery.objects.get(kind=DeliveryKind.NOTICE)
    assert notice.address == HELENE
    assert "Le message auquel vous répondez a été supprimé" in notice.payload["text"]
