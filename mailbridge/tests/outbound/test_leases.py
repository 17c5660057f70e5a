"""Claims under leases: a live worker keeps its rows, a dead one's come back quickly."""

from __future__ import annotations

import socket
import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone

from mailbridge.leases import heartbeat, lease_hold, lease_owner, leases_release_dead
from mailbridge.models import Delivery, DeliveryStatus
from mailbridge.outbound.claims import outbox_claim, outbox_requeue_stale
from mailbridge.tests.outbound.outbox_fixture import post_to_followers


def dead_owner() -> str:
    """The owner a process of this host had, now that it is gone."""
    process = subprocess.Popen(["true"])
    process.wait()
    return f"{socket.gethostname()}:{process.pid}:1"


def _statuses(rows) -> set[str]:
    return set(
        Delivery.objects.filter(id__in=[r.id for r in rows]).values_list("status", flat=True)
    )


@pytest.mark.django_db
def test_the_heartbeat_keeps_a_live_workers_batch_and_the_sweeper_takes_back_a_dead_ones():
    post_to_followers(4)
    with lease_hold() as hold:
        mine = outbox_claim(limit=2, due_before=timezone.now())
        theirs = outbox_claim(limit=2, due_before=timezone.now(), worker="elsewhere:7:1")
        # Both leases would lapse now; only this process renews its own.
        Delivery.objects.update(lease_until=timezone.now() - timedelta(seconds=1))
        heartbeat().renew([hold])
        assert not hold.running_out()
        assert outbox_requeue_stale() == 2
    assert _statuses(mine) == {DeliveryStatus.SENDING}
    assert _statuses(theirs) == {DeliveryStatus.PENDING}


@pytest.mark.django_db
def test_a_dead_process_of_this_host_has_its_claims_released_at_once():
    post_to_followers(6)
    dead = outbox_claim(limit=2, due_before=timezone.now(), worker=dead_owner())
    live = outbox_claim(limit=2, due_before=timezone.now(), worker=lease_owner())
    far = outbox_claim(limit=2, due_before=timezone.now(), worker="another-host:1:1")
    assert outbox_requeue_stale() == 0  # every lease still runs
    assert leases_release_dead() == 2
    assert outbox_requeue_stale() == 2
    assert _statuses(dead) == {DeliveryStatus.PENDING}
    assert _statuses(live) == _statuses(far) == {DeliveryStatus.SENDING}
