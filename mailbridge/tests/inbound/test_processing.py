"""Crash safety: a message stored but not processed is processed later, once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from config import embedded
from mailbridge.inbound.errors import StepFailed
from mailbridge.inbound.processing import MAX_ATTEMPTS, inbound_process, pending_ids
from mailbridge.inbound.tasks import sweep_inbound
from mailbridge.models import InboundMessage, InboundStatus
from mailbridge.tests.inbound.factories import HELENE, Scene
from mailbridge.tests.inbound.support import step_replaced, store_by_hand
from mailbridge.tests.outbound.test_leases import dead_owner


@pytest.fixture
def stored(db):
    scene = Scene()
    row = store_by_hand(
        scene.fixture("reply_thunderbird_fr.eml"), mail_from=HELENE, rcpt_tos=[scene.address]
    )
    return row


def test_a_message_stored_without_its_task_is_processed_at_start(stored, eager_celery):
    # Stored before the process stopped (with Redis, younger ones have their task queued).
    InboundMessage.objects.filter(pk=stored.pk).update(
        received_at=timezone.now() - timedelta(minutes=3)
    )
    embedded.requeue_inbound()  # what `intercoop run`, `smtp` and `worker` do first
    stored.refresh_from_db()
    assert stored.status == InboundStatus.POSTED and stored.attempts == 1


def test_the_sweeper_processes_what_waits_for_longer_than_its_grace(stored, eager_celery):
    assert sweep_inbound() == {"woken": 0}  # just stored: its own task is on the way
    InboundMessage.objects.filter(pk=stored.pk).update(
        received_at=timezone.now() - timedelta(minutes=3)
    )
    assert sweep_inbound() == {"woken": 1}
    stored.refresh_from_db()
    assert stored.status == InboundStatus.POSTED


def test_a_message_whose_worker_died_is_claimed_again_when_its_lease_lapses(stored):
    InboundMessage.objects.filter(pk=stored.pk).update(
        status=InboundStatus.PROCESSING,
        claimed_at=timezone.now() - timedelta(minutes=1),
        claimed_by="elsewhere:7:1",
        lease_until=timezone.now() + timedelta(seconds=5),
    )
    assert pending_ids() == []
    assert inbound_process(inbound_id=stored.pk) is None  # another worker has it
    InboundMessage.objects.filter(pk=stored.pk).update(
        lease_until=timezone.now() - timedelta(seconds=1)
    )
    assert pending_ids() == [stored.pk]
    assert inbound_process(inbound_id=stored.pk) == InboundStatus.POSTED


def test_a_processed_message_is_not_processed_twice(stored):
    assert inbound_process(inbound_id=stored.pk) == InboundStatus.POSTED
    assert inbound_process(inbound_id=stored.pk) is None


def test_a_failing_step_keeps_the_message_then_rejects_it_with_a_reason(stored, monkeypatch):
    def broken(ctx):
        raise RuntimeError("database went away")

    step_replaced(monkeypatch, "extract", broken)
    for attempt in range(1, MAX_ATTEMPTS):
        with pytest.raises(StepFailed):
            inbound_process(inbound_id=stored.pk)
        stored.refresh_from_db()
        assert (stored.status, stored.attempts) == (InboundStatus.RECEIVED, attempt)
    assert inbound_process(inbound_id=stored.pk) == InboundStatus.REJECTED
    stored.refresh_from_db()
    assert stored.reason == "processing_error"
    assert any(e["step"] == "extract" and "database went away" in e["detail"] for e in stored.trail)


def test_reprocessing_a_held_message_after_the_fix_posts_it(db):
    scene = Scene()
    data = scene.fixture("spoofed_from.eml")
    row = store_by_hand(data, mail_from="collegue@autre-exemple.org", rcpt_tos=[scene.address])
    assert inbound_process(inbound_id=row.pk) == InboundStatus.HELD
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(
        user=scene.helene, email="collegue@autre-exemple.org", verified=True
    )
    assert inbound_process(inbound_id=row.pk) is None  # not without asking
    assert inbound_process(inbound_id=row.pk, force=True) == InboundStatus.POSTED
    assert inbound_process(inbound_id=row.pk, force=True) is None  # a post stays made


def test_a_message_held_by_a_dead_worker_is_processed_when_a_process_starts(stored, eager_celery):
    row = stored
    InboundMessage.objects.filter(pk=row.pk).update(
        status=InboundStatus.PROCESSING,
        claimed_at=timezone.now(),
        claimed_by=dead_owner(),
        lease_until=timezone.now() + timedelta(seconds=30),
        attempts=1,
    )
    embedded.requeue_inbound()  # what `intercoop run`, `smtp` and `worker` do first
    row.refresh_from_db()
    assert row.status == InboundStatus.POSTED and row.attempts == 2
