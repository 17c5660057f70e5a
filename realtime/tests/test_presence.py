"""How many people follow a session's live page: each open page counts once, a closed
tab leaves at once, a vanished one within a minute."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from django.test import Client
from django.urls import reverse

from realtime import presence
from realtime.tests.live import open_socket, receive_until, session_path

pytestmark = pytest.mark.django_db(transaction=True)


def test_each_open_page_counts_and_a_closed_one_leaves(session):
    @async_to_sync
    async def scenario():
        first, _ready = await open_socket(session_path(session))
        counts = [(await receive_until(first, "presence"))["count"]]
        second, _ready = await open_socket(session_path(session))
        counts.append((await receive_until(second, "presence"))["count"])
        counts.append((await receive_until(first, "presence"))["count"])
        await second.disconnect()
        counts.append((await receive_until(first, "presence"))["count"])
        await first.disconnect()
        return counts

    assert scenario() == [1, 2, 2, 1]
    assert presence.session_count(session_id=session.pk) == 0


def test_the_live_page_shows_how_many_follow_it(session):
    presence.session_join(session_id=session.pk, channel_name="specific.a!1")
    presence.session_join(session_id=session.pk, channel_name="specific.b!2")
    response = Client().get(reverse("realtime:session_live", kwargs={"slug": session.slug}))
    assert "<strong data-live-presence>2</strong>" in response.content.decode()


class Clock:
    def __init__(self, start: float = 1_000_000.0):
        self.now = start

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(presence, "_now", clock)
    return clock


def test_a_page_that_vanished_without_closing_leaves_within_a_minute(session, clock):
    presence.session_join(session_id=session.pk, channel_name="specific.asleep!1")
    presence.session_join(session_id=session.pk, channel_name="specific.awake!2")
    clock.now += 40
    presence.session_heartbeat(session_id=session.pk, channel_name="specific.awake!2")
    clock.now += 25  # the sleeping laptop's last sign of life was 65 s ago
    count = presence.session_heartbeat(session_id=session.pk, channel_name="specific.awake!2")
    assert count == presence.Count(1, changed=True)
    assert presence.session_count(session_id=session.pk) == 1


def test_the_count_is_reported_changed_only_when_it_changes(session, clock):
    first = presence.session_join(session_id=session.pk, channel_name="specific.a!1")
    again = presence.session_heartbeat(session_id=session.pk, channel_name="specific.a!1")
    left = presence.session_leave(session_id=session.pk, channel_name="specific.a!1")
    assert (first, again, left) == (
        presence.Count(1, changed=True),
        presence.Count(1, changed=False),
        presence.Count(0, changed=True),
    )


def test_sessions_are_counted_apart(sessions, clock):
    presence.session_join(session_id=sessions[1].pk, channel_name="specific.a!1")
    assert presence.session_count(session_id=sessions[2].pk) == 0
