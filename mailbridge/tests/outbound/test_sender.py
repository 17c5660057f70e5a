"""Sending the outbox through a real SMTP server that misbehaves on purpose.

451 then 250, 550, a relay that is down then comes back, a relay that hangs up in
the middle of a batch, two workers on the same rows: every recipient gets the
message exactly once, and nothing is lost.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from forum import services
from mailbridge.models import Bounce, Delivery, DeliveryStatus
from mailbridge.outbound.claims import outbox_claim, outbox_requeue_stale
from mailbridge.outbound.outcomes import retry_delay
from mailbridge.outbound.sender import OutboxSender, outbox_send_due
from mailbridge.tests.outbound.conftest import relay_settings
from mailbridge.tests.outbound.factories import make_board, make_member
from mailbridge.tests.sink import SinkHandler, SmtpSink, free_port


@pytest.fixture(autouse=True)
def _fast_retries(settings):
    settings.INTERCOOP_OUTBOX_RETRY_BASE_SECONDS = 0
    settings.INTERCOOP_OUTBOX_RELAY_DOWN_SECONDS = 0


def post_to_followers(count: int):
    """A post in a board followed by email by `count` people; returns the post."""
    board = make_board()
    author = make_member(board, display_name="Autrice")
    for number in range(count):
        make_member(board, email=f"membre{number}@exemple.org")
    thread = services.thread_create(board=board, author=author, title="Fil", body="Texte.")
    return thread.posts.get()


def statuses() -> dict[str, int]:
    result: dict[str, int] = {}
    for status in Delivery.objects.values_list("status", flat=True):
        result[status] = result.get(status, 0) + 1
    return result


@pytest.mark.django_db
def test_a_451_is_retried_later_and_delivered_once(settings):
    handler = SinkHandler(
        script=lambda rcpt, attempt: "451 4.3.0 Try again later" if attempt == 1 else None
    )
    with SmtpSink(handler) as sink:
        relay_settings(settings, sink.port)
        post_to_followers(1)

        first = outbox_send_due()
        delivery = Delivery.objects.get()
        assert (first.sent, first.retried) == (0, 1)
        assert delivery.status == DeliveryStatus.PENDING
        assert delivery.attempts == 1 and delivery.smtp_code == 451
        assert "Try again later" in delivery.last_error

        second = outbox_send_due()
        delivery.refresh_from_db()
        assert second.sent == 1
        assert delivery.status == DeliveryStatus.SENT and delivery.sent_at is not None
        assert sink.handler.per_recipient == {"membre0@exemple.org": 1}


@pytest.mark.django_db
def test_a_retry_waits_for_its_backoff(settings, sink):
    settings.INTERCOOP_OUTBOX_RETRY_BASE_SECONDS = 600
    sink.handler.script = lambda rcpt, attempt: "452 4.2.2 Mailbox full"
    post_to_followers(1)
    outbox_send_due()
    delivery = Delivery.objects.get()
    assert delivery.next_attempt_at <= timezone.now() + timedelta(seconds=600)
    # Not due yet (unless the jitter drew ~0): a second pass leaves it alone.
    if delivery.next_attempt_at > timezone.now() + timedelta(seconds=1):
        assert outbox_send_due().claimed == 0


def test_backoff_is_exponential_with_full_jitter_and_capped(settings):
    settings.INTERCOOP_OUTBOX_RETRY_BASE_SECONDS = 60
    settings.INTERCOOP_OUTBOX_RETRY_CAP_SECONDS = 3600
    for attempts, bound in ((1, 60), (2, 120), (4, 480), (7, 3600), (12, 3600)):
        delays = [retry_delay(attempts) for _ in range(200)]
        assert all(0 <= delay <= bound for delay in delays)
        assert max(delays) > bound / 2  # full jitter spreads over the whole range


@pytest.mark.django_db
def test_4xx_forever_ends_failed_after_the_last_attempt(settings, sink):
    settings.INTERCOOP_OUTBOX_MAX_ATTEMPTS = 3
    sink.handler.script = lambda rcpt, attempt: "421-4.7.0 Greylisted"[:3] + " 4.7.0 Greylisted"
    sink.handler.script = lambda rcpt, attempt: "450 4.7.1 Greylisted"
    post_to_followers(1)
    for _ in range(5):
        outbox_send_due()
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == 3 and delivery.smtp_code == 450
    assert "gave up after 3 attempts" in delivery.last_error


@pytest.mark.django_db
def test_a_5xx_fails_at_once_and_counts_as_a_bounce(sink):
    sink.handler.script = lambda rcpt, attempt: "550 5.1.1 No such user here"
    post = post_to_followers(1)
    report = outbox_send_due()
    delivery = Delivery.objects.get(post=post)
    assert report.failed == 1
    assert delivery.status == DeliveryStatus.FAILED and delivery.smtp_code == 550
    assert "No such user" in delivery.last_error
    assert outbox_send_due().claimed == 0  # never retried
    bounce = Bounce.objects.get(delivery=delivery)
    assert bounce.kind == "hard" and bounce.user == delivery.recipient


@pytest.mark.django_db
def test_a_recipient_refused_at_rcpt_fails_and_the_others_still_go(sink):
    sink.handler.rcpt_script = lambda address: (
        "550 5.1.1 User unknown" if address == "membre1@exemple.org" else None
    )
    post_to_followers(3)
    report = outbox_send_due()
    assert (report.sent, report.failed) == (2, 1)
    refused = Delivery.objects.get(address="membre1@exemple.org")
    assert refused.status == DeliveryStatus.FAILED and refused.smtp_code == 550
    assert set(sink.handler.per_recipient) == {"membre0@exemple.org", "membre2@exemple.org"}


@pytest.mark.django_db
def test_a_relay_closing_at_data_leaves_the_rest_for_later(sink):
    sink.handler.script = lambda rcpt, attempt: (
        "421 4.4.2 Timeout" if rcpt == "membre0@exemple.org" and attempt == 1 else None
    )
    post_to_followers(2)
    report = outbox_send_due()
    assert report.relay_down and report.sent == 0
    assert outbox_send_due().sent == 2


@pytest.mark.django_db
def test_a_relay_that_is_down_keeps_everything_pending_until_it_is_back(settings):
    port = free_port()
    relay_settings(settings, port)
    post_to_followers(5)

    report = outbox_send_due()
    assert report.relay_down and report.sent == 0
    assert statuses() == {DeliveryStatus.PENDING: 5}
    assert set(Delivery.objects.values_list("attempts", flat=True)) == {0}
    assert "cannot reach the relay" in Delivery.objects.first().last_error

    with SmtpSink(port=port) as sink:
        assert outbox_send_due().sent == 5
        assert sink.wait_for(5)
    assert statuses() == {DeliveryStatus.SENT: 5}
    assert sorted(sink.handler.per_recipient.values()) == [1] * 5


@pytest.mark.django_db
def test_a_relay_closing_mid_batch_leaves_the_rest_for_later(sink):
    # RFC 5321 §3.8: 421 means the server is closing the transmission channel.
    sink.handler.script = lambda rcpt, attempt: (
        "421 4.3.2 Shutting down" if rcpt == "membre3@exemple.org" and attempt == 1 else None
    )
    post_to_followers(6)
    report = outbox_send_due()
    assert report.relay_down and report.sent == 3 and report.released == 3
    assert statuses() == {DeliveryStatus.SENT: 3, DeliveryStatus.PENDING: 3}
    outbox_send_due()
    assert statuses() == {DeliveryStatus.SENT: 6}
    assert sorted(sink.handler.per_recipient.values()) == [1] * 6


@pytest.mark.django_db
def test_one_connection_carries_the_whole_batch(sink, settings):
    connections = []
    original = sink.handler.handle_DATA

    async def count_sessions(server, session, envelope):
        connections.append(id(session))
        return await original(server, session, envelope)

    sink.handler.handle_DATA = count_sessions
    post_to_followers(12)
    settings.INTERCOOP_OUTBOX_BATCH_SIZE = 5
    assert outbox_send_due().sent == 12
    assert len(set(connections)) == 1


@pytest.mark.django_db
def test_a_post_hidden_before_sending_does_not_go_out(sink):
    post = post_to_followers(2)
    moderator = post.author
    post.is_hidden = True
    post.hidden_by = moderator
    post.save()
    report = outbox_send_due()
    assert report.sent == 0 and report.failed == 2
    assert sink.handler.count == 0
    assert "hidden" in Delivery.objects.first().last_error


@pytest.mark.django_db
def test_a_dead_workers_claim_is_requeued_and_a_live_one_is_not():
    post_to_followers(4)
    dead = outbox_claim(limit=2, due_before=timezone.now(), worker="dead-worker")
    live = outbox_claim(limit=2, due_before=timezone.now(), worker="live-worker")
    Delivery.objects.filter(id__in=[row.id for row in dead]).update(
        claimed_at=timezone.now() - timedelta(minutes=30)
    )
    assert outbox_requeue_stale(older_than=timedelta(minutes=10)) == 2
    requeued = Delivery.objects.filter(id__in=[row.id for row in dead])
    assert {d.status for d in requeued} == {DeliveryStatus.PENDING}
    assert {d.attempts for d in requeued} == {1}
    assert set(
        Delivery.objects.filter(id__in=[row.id for row in live]).values_list("status", flat=True)
    ) == {DeliveryStatus.SENDING}


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_on_the_same_200_rows_send_each_exactly_once(settings, sink):
    settings.INTERCOOP_OUTBOX_BATCH_SIZE = 20
    post_to_followers(200)
    reports = {}
    start = threading.Barrier(2)

    def work(name: str) -> None:
        try:
            start.wait()
            reports[name] = outbox_send_due(worker=name)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(f"worker-{n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sink.wait_for(200)
    assert sink.handler.count == 200
    assert len(sink.handler.per_recipient) == 200
    assert set(sink.handler.per_recipient.values()) == {1}
    assert statuses() == {DeliveryStatus.SENT: 200}
    assert reports["worker-1"].sent + reports["worker-2"].sent == 200
    assert reports["worker-1"].sent > 0 and reports["worker-2"].sent > 0


def test_the_sender_reuses_nothing_across_instances():
    # Each task run makes its own sender: a connection is never shared by threads.
    assert OutboxSender().transport is None
