"""The Celery tasks: wake-ups and the sweeper over the outbox services."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from config.celery import app
from mailbridge import tasks
from mailbridge.models import Delivery, DeliveryKind, DeliveryStatus
from mailbridge.outbound.outcomes import BatchReport


def delivery(status: str, **fields) -> Delivery:
    fields.setdefault("next_attempt_at", timezone.now())
    return Delivery.objects.create(
        kind=DeliveryKind.POST,
        key=f"post:{Delivery.objects.count() + 1}",
        address=f"p{Delivery.objects.count() + 1}@exemple.org",
        status=status,
        **fields,
    )


def test_beat_sweeps_the_outbox_and_the_inbound_mail_every_ten_seconds():
    # A dead worker's claims wait its lease (30 s) and at most one sweep more.
    entry = app.conf.beat_schedule["mailbridge.sweep_outbox"]
    assert entry["task"] == "mailbridge.sweep_outbox"
    assert entry["schedule"] == 10.0
    assert app.conf.beat_schedule["mailbridge.sweep_inbound"]["schedule"] == 10.0
    assert "mailbridge.sweep_outbox" in app.tasks and "mailbridge.send_pending" in app.tasks


@pytest.mark.django_db
def test_the_sweeper_requeues_dead_claims_and_wakes_the_senders():
    delivery(
        DeliveryStatus.SENDING, claimed_by="dead:1", claimed_at=timezone.now() - timedelta(hours=1)
    )
    delivery(DeliveryStatus.PENDING)
    delivery(DeliveryStatus.PENDING, next_attempt_at=timezone.now() + timedelta(hours=1))
    with mock.patch.object(tasks, "outbox_wake") as wake:
        result = tasks.sweep_outbox()
    assert result == {"requeued": 1, "due": 2}
    # Whatever wake may be waiting: the sweeper is the one that catches a lost one.
    wake.assert_called_once_with(deliveries=2, coalesce=False)


@pytest.mark.django_db
def test_the_sweeper_wakes_nobody_when_nothing_is_due():
    delivery(DeliveryStatus.SENT)
    with mock.patch.object(tasks, "outbox_wake") as wake:
        assert tasks.sweep_outbox() == {"requeued": 0, "due": 0}
    wake.assert_not_called()


def test_send_pending_retries_after_an_unexpected_error():
    outcomes = [RuntimeError("database restarting"), BatchReport(claimed=3, sent=3)]
    with mock.patch.object(tasks, "outbox_send_due", side_effect=outcomes) as send:
        result = tasks.send_pending.apply()
    assert send.call_count == 2
    assert result.get() == {"sent": 3, "retried": 0, "failed": 0}


def test_the_embedded_beat_is_a_thread_of_the_worker_process():
    # In `intercoop run` the broker is memory://, private to the process: a beat in a
    # child process (WorkController(beat=True)) would send the sweeper into the void.
    import threading

    from config.embedded import EmbeddedWorker

    worker = EmbeddedWorker()
    assert isinstance(worker.beat, threading.Thread)
