"""Fixtures for the live pages' tests: the seeded event, a cache namespace per test
(presence counts live in the cache), and a channel layer emptied between tests."""

from __future__ import annotations

import copy
import uuid

import pytest
from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.utils import translation

from forum.models import Event
from forum.seed.loader import programme_load


@pytest.fixture(autouse=True)
def _own_cache_namespace(settings):
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["KEY_PREFIX"] = f"test-{uuid.uuid4().hex}"
    settings.CACHES = caches


@pytest.fixture(autouse=True)
def _fresh_in_memory_layer():
    # Each test runs its websockets in an event loop of its own: queues left in the
    # process-wide in-memory layer by an earlier test belong to a loop that is gone.
    layer = get_channel_layer()
    if isinstance(layer, InMemoryChannelLayer):
        async_to_sync(layer.flush)()
    yield


@pytest.fixture(autouse=True)
def _french_first():
    translation.activate("fr")
    yield
    translation.deactivate()


@pytest.fixture
def event(db) -> Event:
    programme_load()
    return Event.objects.get(slug="intercoop-2007")


@pytest.fixture
def sessions(event):
    return {session.number: session for session in event.sessions.order_by("number")}
