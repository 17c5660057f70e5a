"""The organisers' admin of inbound mail: outcome, reason, trail, raw, reprocess."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress

from forum.tests.factories import make_user
from mailbridge.inbound.processing import inbound_process
from mailbridge.models import InboundMessage, InboundStatus
from mailbridge.tests.inbound.factories import Scene
from mailbridge.tests.inbound.support import store_by_hand


@pytest.fixture
def held(db):
    scene = Scene()
    row = store_by_hand(
        scene.fixture("spoofed_from.eml"),
        mail_from="collegue@autre-exemple.org",
        rcpt_tos=[scene.address],
    )
    inbound_process(inbound_id=row.pk)
    row.refresh_from_db()
    row.scene = scene
    return row


@pytest.fixture
def staff(db, client):
    admin = make_user("admin@intercoop.test", is_superuser=True)
    client.force_login(admin)
    return client


def test_the_list_filters_by_status_and_reason(staff, held):
    page = staff.get("/admin/mailbridge/inboundmessage/?status=held&reason=sender_mismatch")
    content = page.content.decode()
    assert page.status_code == 200
    assert "collegue@autre-exemple.org" in content
    assert "retenu pour modération" in content
    empty = staff.get("/admin/mailbridge/inboundmessage/?status=posted")
    assert "collegue@autre-exemple.org" not in empty.content.decode()


def test_the_detail_shows_the_trail_step_by_step(staff, held):
    page = staff.get(f"/admin/mailbridge/inboundmessage/{held.pk}/change/")
    content = page.content.decode()
    assert page.status_code == 200
    for step in ("parse", "resolve_address", "verify_token", "check_sender"):
        assert f"<td>{step}</td>" in content
    assert "sender_mismatch" in content


def test_staff_download_the_raw_message_others_cannot(staff, held, client):
    response = staff.get(f"/admin/mailbridge/inboundmessage/{held.pk}/raw/")
    assert response.status_code == 200
    assert response["Content-Type"] == "message/rfc822"
    assert response["Content-Disposition"] == f'attachment; filename="inbound-{held.pk}.eml"'
    assert b"Message-ID: <spoof-7a6b5c4d@autre-exemple.org>" in response.content
    staff.logout()
    client.force_login(make_user("membre@exemple.org"))
    assert client.get(f"/admin/mailbridge/inboundmessage/{held.pk}/raw/").status_code == 302


def test_reprocess_posts_a_held_message_once_its_sender_is_known(staff, held, settings):
    EmailAddress.objects.create(
        user=held.scene.helene, email="collegue@autre-exemple.org", verified=True
    )
    response = staff.post(
        "/admin/mailbridge/inboundmessage/",
        {"action": "reprocess", "_selected_action": [held.pk]},
        follow=True,
    )
    assert "1 message traité de nouveau" in response.content.decode()
    held.refresh_from_db()
    assert held.status == InboundStatus.POSTED and held.post.author == held.scene.helene
    again = staff.post(
        "/admin/mailbridge/inboundmessage/",
        {"action": "reprocess", "_selected_action": [held.pk]},
        follow=True,
    )
    assert "déjà publié" in again.content.decode()
    assert InboundMessage.objects.get(pk=held.pk).post_id == held.post_id
