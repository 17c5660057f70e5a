"""Organisers watch the outbox in the admin and send failed deliveries again."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from forum.tests.factories import make_user
from mailbridge.models import Delivery, DeliveryKind, DeliveryStatus

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:mailbridge_delivery_changelist"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def delivery(address: str, status: str, **fields) -> Delivery:
    return Delivery.objects.create(
        kind=DeliveryKind.POST,
        key=f"post:{address}",
        address=address,
        status=status,
        next_attempt_at=timezone.now() + timedelta(hours=1),
        **fields,
    )


@pytest.fixture
def staff_client(client):
    client.force_login(make_user(is_superuser=True))
    return client


def test_the_outbox_list_counts_each_status_and_shows_the_reasons(staff_client):
    delivery("a@exemple.org", DeliveryStatus.PENDING)
    delivery("b@exemple.org", DeliveryStatus.SENT)
    delivery("c@exemple.org", DeliveryStatus.SENT)
    delivery(
        "d@exemple.org", DeliveryStatus.FAILED, smtp_code=550, last_error="550 5.1.1 Unknown user"
    )
    page = staff_client.get(reverse(CHANGELIST)).content.decode()
    assert 'data-status="sent">Envoyé : <strong>2</strong>' in page
    assert 'data-status="failed">Échec : <strong>1</strong>' in page
    assert 'data-status="pending">En attente : <strong>1</strong>' in page
    assert "550 5.1.1 Unknown user" in page


def test_the_outbox_filters_by_status_and_searches_by_address(staff_client):
    delivery("marie@exemple.org", DeliveryStatus.FAILED)
    delivery("paul@exemple.org", DeliveryStatus.SENT)
    failed = staff_client.get(reverse(CHANGELIST), {"status__exact": "failed"}).content.decode()
    assert "marie@exemple.org" in failed and "paul@exemple.org" not in failed
    found = staff_client.get(reverse(CHANGELIST), {"q": "paul"}).content.decode()
    assert "paul@exemple.org" in found and "marie@exemple.org" not in found


def test_retry_now_requeues_failed_and_waiting_deliveries_only(
    staff_client, django_capture_on_commit_callbacks
):
    failed = delivery("a@exemple.org", DeliveryStatus.FAILED, attempts=10, smtp_code=451)
    waiting = delivery("b@exemple.org", DeliveryStatus.PENDING, attempts=3)
    sent = delivery("c@exemple.org", DeliveryStatus.SENT)
    with mock.patch("mailbridge.admin.outbox_wake") as wake:
        with django_capture_on_commit_callbacks(execute=True):
            response = staff_client.post(
                reverse(CHANGELIST),
                {"action": "retry_now", "_selected_action": [failed.pk, waiting.pk, sent.pk]},
                follow=True,
            )
    assert response.status_code == 200
    wake.assert_called_once_with(deliveries=2)
    for row in (failed, waiting):
        row.refresh_from_db()
        assert row.status == DeliveryStatus.PENDING
        assert row.attempts == 0 and row.smtp_code is None
        assert row.next_attempt_at <= timezone.now()
    sent.refresh_from_db()
    assert sent.status == DeliveryStatus.SENT
    page = response.content.decode()
    assert "2 envois remis en file d&#x27;attente." in page
    assert "1 envoi déjà parti ou en cours n&#x27;a pas été touché." in page


def test_people_who_are_not_staff_cannot_see_the_outbox(client):
    client.force_login(make_user())
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_deliveries_are_not_added_or_deleted_by_hand(staff_client):
    assert staff_client.get(reverse("admin:mailbridge_delivery_add")).status_code == 403
