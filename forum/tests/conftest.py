from __future__ import annotations

import copy
import uuid

import pytest
from django.utils import translation

from forum.models import Event
from forum.seed.loader import programme_load


@pytest.fixture(autouse=True)
def _own_cache_namespace(settings):
    # allauth's rate limits count in the cache: each test gets keys of its own, rather
    # than a flush that would empty a Redis database other test runs may share.
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["KEY_PREFIX"] = f"test-{uuid.uuid4().hex}"
    settings.CACHES = caches


@pytest.fixture(autouse=True)
def _french_first():
    # A request in English leaves English active in the thread; tests start in French.
    translation.activate("fr")
    yield
    translation.deactivate()


@pytest.fixture
def event(db) -> Event:
    """The Intercoop 2007 summer days, loaded as `intercoop seed` loads them."""
    programme_load()
    return Event.objects.get(slug="intercoop-2007")


@pytest.fixture
def sessions(event):
    return {session.number: session for session in event.sessions.order_by("number")}
