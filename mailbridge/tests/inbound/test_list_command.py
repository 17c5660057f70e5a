"""list_command: +subscribe / +unsubscribe by mail, confirmed on the site."""

from __future__ import annotations

import re
from datetime import timedelta

from django.core import signing

from forum.models import Follow, FollowLevel
from mailbridge.inbound.commands import SALT, command_token
from mailbridge.models import Delivery, DeliveryKind, InboundStatus
from mailbridge.tests.inbound.factories import CLAIRE, Scene, member, outsider


def _link(delivery: Delivery) -> str:
    return re.search(
        r"https://forum\.intercoop\.test(/listes/confirmer/\S+/)", delivery.payload["text"]
    ).group(1)


def test_subscribe_by_mail_sends_a_link_that_subscribes_once_confirmed(gateway, client):
    scene = Scene()
    claire = outsider(CLAIRE, name="Claire Bernard")
    stored = gateway.send(
        scene.fixture("list_subscribe.eml"),
        mail_from=CLAIRE,
        rcpt_tos=[f"{scene.board.slug}+subscribe@lists.intercoop.test"],
    ).message()
    assert (stored.status, stored.reason) == (InboundStatus.COMMAND, "subscribe_requested")
    assert not Follow.objects.filter(user=claire).exists()
    confirmation = Delivery.objects.get(kind=DeliveryKind.NOTICE)
    assert confirmation.address == CLAIRE and confirmation.recipient == claire
    assert "Confirmez votre abonnement" in confirmation.payload["subject"]
    link = _link(confirmation)
    page = client.get(link)
    assert page.status_code == 200 and "M'abonner" in page.content.decode()
    assert not Follow.objects.filter(user=claire).exists()  # a GET changes nothing
    done = client.post(link)
    assert done.status_code == 200
    assert Follow.objects.get(user=claire, board=scene.board).level == FollowLevel.EMAIL


def test_unsubscribe_by_mail_stops_the_mail_once_confirmed(gateway, client):
    scene = Scene()
    claire = member(scene.board, CLAIRE, level=FollowLevel.EMAIL)
    stored = gateway.send(
        scene.fixture("list_unsubscribe.eml"),
        mail_from=CLAIRE,
        rcpt_tos=[f"{scene.board.slug}+unsubscribe@lists.intercoop.test"],
    ).message()
    assert (stored.status, stored.reason) == (InboundStatus.COMMAND, "unsubscribe_requested")
    link = _link(Delivery.objects.get(kind=DeliveryKind.NOTICE))
    assert client.post(link).status_code == 200
    assert Follow.objects.get(user=claire, board=scene.board).level == FollowLevel.WEB


def test_a_command_from_an_unknown_address_gets_the_how_to_register_notice(gateway):
    scene = Scene()
    stored = gateway.send(
        scene.fixture("list_subscribe.eml"),
        mail_from=CLAIRE,
        rcpt_tos=[f"{scene.board.slug}+subscribe@lists.intercoop.test"],
    ).message()
    assert (stored.status, stored.reason) == (InboundStatus.COMMAND, "unknown_sender")
    notice = Delivery.objects.get(kind=DeliveryKind.NOTICE)
    assert notice.key.startswith("notice:unknown_sender:")
    assert "/accounts/signup/" in notice.payload["text"]


def test_subscribing_to_a_private_session_without_registration_is_refused(gateway):
    scene = Scene("privee")
    scene.board.session.is_private = True
    scene.board.session.save(update_fields=["is_private"])
    outsider(CLAIRE)
    stored = gateway.send(
        scene.fixture("list_subscribe.eml"),
        mail_from=CLAIRE,
        rcpt_tos=["privee+subscribe@lists.intercoop.test"],
    ).message()
    assert (stored.status, stored.reason) == (InboundStatus.COMMAND, "not_allowed")


def test_a_forged_or_expired_confirmation_link_changes_nothing(db, client, monkeypatch):
    scene = Scene()
    claire = outsider(CLAIRE)
    token = command_token(user_id=claire.pk, board_id=scene.board.pk, action="subscribe")
    forged = token[:-3] + ("aaa" if token[-3:] != "aaa" else "bbb")
    assert client.post(f"/listes/confirmer/{forged}/").status_code == 400
    expired = signing.dumps({"u": claire.pk, "b": scene.board.pk, "a": "subscribe"}, salt=SALT)
    monkeypatch.setattr("mailbridge.inbound.commands.MAX_AGE", timedelta(seconds=-1))
    response = client.post(f"/listes/confirmer/{expired}/")
    assert response.status_code == 400 and "a expiré" in response.content.decode()
    assert not Follow.objects.filter(user=claire).exists()
