"""Fixtures for the live pages' tests: those of the forum's tests (the seeded event, its
sessions, a cache namespace per test, where presence counts live, French first), a
channel layer emptied between tests, and the session whose live page most tests open."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer

from forum.tests.board_factories import board_for

# Registers the fixtures shared with forum/tests (event, sessions, board, alice, and the
# autouse ones) for every test under realtime/tests.
from forum.tests.shared_fixtures import *  # noqa: F403


@pytest.fixture(autouse=True)
def _fresh_in_memory_layer():
    # Each test runs its websockets in an event loop of its own: queues left in the
    # process-wide in-memory layer by an earlier test belong to a loop that is gone.
    layer = get_channel_layer()
    if isinstance(layer, InMemoryChannelLayer):
        async_to_sync(layer.flush)()
    yield


@pytest.fixture
def session(sessions):
    """The first session, with its board."""
    board_for(sessions[1])
    return sessions[1]
