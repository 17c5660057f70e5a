"""What mail keeps about a person: in their export, and gone with their account
(read back from every table of the database)."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from forum import services
from forum.services.accounts import account_delete
from forum.tests.factories import PASSWORD
from mailbridge.models import Bounce, Delivery, InboundMessage, MailboxHealth
from mailbridge.models.mailbox import BounceKind
from mailbridge.models.outbox import DeliveryKind
from mailbridge.tests.outbound.factories import make_board, make_member

pytestmark = pytest.mark.django_db

ADDRESS = "claire@exemple.org"


@pytest.fixture
def claire():
    board = make_board()
    claire = make_member(board, email=ADDRESS, display_name="Claire Sociétaire")
    bruno = make_member(board, email="bruno@exemple.org", display_name="Bruno")
    thread = services.thread_create(board=board, author=bruno, title="Fil", body="Bonjour.")
    assert Delivery.objects.filter(recipient=claire).count() == 1
    # A notice sent to her address before it was hers: no key to the account.
    Delivery.objects.create(
        kind=DeliveryKind.NOTICE,
        key="notice:held:1",
        address="Claire@Exemple.org",
        next_attempt_at=timezone.now(),
    )
    raw = f"From: Claire <{ADDRESS}>\r\nSubject: Re: Fil\r\n\r\nMerci !\r\n".encode()
    InboundMessage.objects.create(
        raw=raw, mail_from=ADDRESS, from_address=ADDRESS, received_at=timezone.now(), sender=claire
    )
    InboundMessage.objects.create(
        raw=raw, mail_from=ADDRESS.upper(), received_at=timezone.now(), subject="Re: Fil"
    )
    Bounce.objects.create(user=claire, kind=BounceKind.HARD, diagnostic=f"550 {ADDRESS}")
    MailboxHealth.objects.create(user=claire, bounce_score=3)
    return {"user": claire, "bruno": bruno, "thread": thread}


def rows_holding(text: str) -> list[str]:
    """Every row of every table with `text` (case ignored) in one of its columns."""
    needle = text.lower()
    found = []
    for model in apps.get_models(include_auto_created=True):
        fields = [field.attname for field in model._meta.concrete_fields]
        for row in model._default_manager.values_list(*fields):
            for value in row:
                if isinstance(value, memoryview):
                    value = bytes(value)
                if isinstance(value, bytes):
                    value = value.decode("utf-8", "replace")
                if needle in str(value).lower():
                    found.append(f"{model._meta.db_table}: {row[0]}")
                    break
    return found


def test_the_export_carries_the_mail_kept_about_me(claire):
    browser = Client()
    browser.force_login(claire["user"])
    archive = zipfile.ZipFile(io.BytesIO(browser.get(reverse("forum:my_data_export")).content))
    mail = json.loads(archive.read("data.json"))["mail"]
    assert mail["mailbox"]["bounce_score"] == 3
    assert {delivery["kind"] for delivery in mail["deliveries"]} == {"post", "notice"}
    assert len(mail["bounces"]) == 1
    assert len(mail["messages_received"]) == 2


@pytest.mark.parametrize("keep_posts", [True, False], ids=["posts-kept", "posts-removed"])
def test_after_deletion_no_table_holds_my_address(claire, keep_posts):
    assert len(rows_holding(ADDRESS)) >= 7
    services.post_add(
        draft=services.PostDraft(thread=claire["thread"], author=claire["user"], body="Merci.")
    )
    account_delete(user=claire["user"], password=PASSWORD, keep_posts=keep_posts)
    assert rows_holding(ADDRESS) == []
    assert rows_holding("Claire Sociétaire") == []
    # Bruno's mail is his own business.
    assert Delivery.objects.filter(recipient=claire["bruno"]).exists() is keep_posts
    assert InboundMessage.objects.count() == 0
