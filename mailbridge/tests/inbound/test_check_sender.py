"""check_sender: a message is credited to a person only when it comes from them."""

from __future__ import annotations

from allauth.account.models import EmailAddress

from forum.models import Post, Thread
from mailbridge.models import Delivery, DeliveryKind, InboundStatus
from mailbridge.tests.inbound.factories import CLAIRE, HELENE, Scene, outsider


def test_a_reply_from_someone_else_than_the_token_owner_is_held_never_posted(gateway):
    scene = Scene()
    conversation = gateway.send(
        scene.fixture("spoofed_from.eml"),
        mail_from="collegue@autre-exemple.org",
        rcpt_tos=[scene.address],
    )
    assert conversation.data[0] == 250
    stored = conversation.message()
    assert (stored.status, stored.reason) == (InboundStatus.HELD, "sender_mismatch")
    assert stored.post is None and Post.objects.count() == 1
    assert f"not an address of user {scene.helene.pk}" in stored.trail[-2]["detail"]
    notice = Delivery.objects.get(kind=DeliveryKind.NOTICE)
    assert notice.address == "collegue@autre-exemple.org"
    assert notice.recipient is None
    assert "retenu pour modération" in notice.payload["text"]


def test_the_token_owners_address_matches_whatever_its_case_and_plus_tag(gateway):
    scene = Scene()
    data = scene.fixture("reply_thunderbird_fr.eml").replace(
        b"<Helene.Martin@exemple.coop>", b"<HELENE.MARTIN+intercoop@Exemple.COOP>"
    )
    stored = gateway.send(data, mail_from=HELENE, rcpt_tos=[scene.address]).message()
    assert stored.status == InboundStatus.POSTED, stored.trail
    assert stored.post.author == scene.helene


def test_a_second_verified_address_of_the_token_owner_is_theirs_too(gateway):
    scene = Scene()
    EmailAddress.objects.create(user=scene.helene, email="h.martin@perso.example", verified=True)
    data = scene.fixture("reply_thunderbird_fr.eml").replace(
        b"<Helene.Martin@exemple.coop>", b"<h.martin@perso.example>"
    )
    stored = gateway.send(
        data, mail_from="h.martin@perso.example", rcpt_tos=[scene.address]
    ).message()
    assert stored.status == InboundStatus.POSTED and stored.post.author == scene.helene


def test_an_unverified_address_of_the_token_owner_is_not_enough(gateway):
    scene = Scene()
    EmailAddress.objects.create(user=scene.helene, email="h.martin@perso.example", verified=False)
    data = scene.fixture("reply_thunderbird_fr.eml").replace(
        b"<Helene.Martin@exemple.coop>", b"<h.martin@perso.example>"
    )
    stored = gateway.send(
        data, mail_from="h.martin@perso.example", rcpt_tos=[scene.address]
    ).message()
    assert (stored.status, stored.reason) == (InboundStatus.HELD, "sender_mismatch")


def test_a_new_thread_from_an_unknown_sender_is_held_with_one_notice_a_day(gateway):
    scene = Scene()
    data = scene.fixture("new_thread_gmail_fr.eml")
    first = gateway.send(data, mail_from=CLAIRE, rcpt_tos=[scene.list_address]).message()
    again = gateway.send(
        data.replace(b"<CAF3x9Qk2", b"<CAF3x9Qk3"), mail_from=CLAIRE, rcpt_tos=[scene.list_address]
    ).message()
    for stored in (first, again):
        assert (stored.status, stored.reason) == (InboundStatus.HELD, "unknown_sender")
    assert Thread.objects.count() == 1
    notice = Delivery.objects.get(kind=DeliveryKind.NOTICE)
    assert notice.address == CLAIRE
    assert "/accounts/signup/" in notice.payload["text"]
    assert "Pour participer" in notice.payload["text"]
    # We know nothing of Claire's language: French first, then English (once the
    # English catalogue has these strings; until then the French text once).
    assert notice.payload["language"] == "fr"
    assert notice.payload["text"].count("Pour participer") == 1
    assert again.trail[-1]["detail"].startswith("a notice for unknown_sender already went")


def test_someone_with_an_account_but_no_registration_is_held_too(gateway):
    scene = Scene()
    outsider(CLAIRE)
    stored = gateway.send(
        scene.fixture("new_thread_gmail_fr.eml"), mail_from=CLAIRE, rcpt_tos=[scene.list_address]
    ).message()
    assert (stored.status, stored.reason) == (InboundStatus.HELD, "unknown_sender")
    assert "is not registered" in stored.trail[6]["detail"]
