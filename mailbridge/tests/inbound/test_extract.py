"""extract: the post is the person's words; the whole mail stays behind a toggle."""

from __future__ import annotations

from forum.models import Post
from mailbridge.models import Delivery, DeliveryKind, InboundStatus
from mailbridge.tests.inbound.factories import HELENE, MARC, Scene, member, reply_to, token_of
from mailbridge.tests.inbound.support import fixture


def test_an_outlook_reply_in_latin1_loses_its_quoted_header_block(gateway):
    scene = Scene()
    marc = member(scene.board, MARC, name="Marc Lefebvre")
    address = reply_to(scene.post, marc)
    data = fixture("reply_outlook_fr.eml", TOKEN=token_of(address), POSTID=str(scene.post.pk))
    stored = gateway.send(data, mail_from=MARC, rcpt_tos=[address]).message()
    assert stored.status == InboundStatus.POSTED, stored.trail
    assert stored.post.body_text == (
        "Bonjour Paul,\n\nLe réseau viendra avec deux témoignages : l'un sur les marchés "
        "publics, l'autre sur la formation des élus.\n\nBien cordialement,\nMarc Lefebvre"
    )
    assert "De : Paul Durand via Intercoop" in stored.original_text
    assert stored.post.source == "email"


def test_the_whole_text_as_received_is_kept_for_show_the_whole_message(gateway):
    scene = Scene()
    stored = gateway.send(
        scene.fixture("reply_thunderbird_fr.eml"), mail_from=HELENE, rcpt_tos=[scene.address]
    ).message()
    assert "Hélène Martin\nCoopérative d'activités et d'emploi Oxalis" in stored.original_text
    assert "> Qui vient avec un témoignage" in stored.original_text
    assert "Oxalis" not in stored.post.body_text and "Qui vient" not in stored.post.body_text


def test_a_reply_with_nothing_but_the_quote_is_rejected_as_empty_with_a_notice(gateway):
    scene = Scene()
    stored = gateway.send(
        scene.fixture("reply_empty_fr.eml"), mail_from=HELENE, rcpt_tos=[scene.address]
    ).message()
    assert (stored.status, stored.reason) == (InboundStatus.REJECTED, "empty")
    assert Post.objects.count() == 1
    notice = Delivery.objects.get(kind=DeliveryKind.NOTICE)
    assert notice.address == HELENE and notice.recipient == scene.helene
    assert "il ne restait rien à publier" in notice.payload["text"]
    assert notice.payload["in_reply_to"] == "<0a0b0c0d-empty-reply@exemple.coop>"
