"""Fixtures shared by the forum's tests and the live pages' tests (realtime/tests): both
conftest.py files import them all, which registers them for their folder."""

from __future__ import annotations

import pytest
from django.utils import translation

from forum.models import Event
from forum.seed.loader import programme_load
from forum.tests.board_factories import board_for, make_participant

__all__ = ["_french_first", "alice", "board", "event", "sessions"]


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


@pytest.fixture
def board(sessions):
    """The first session's board."""
    return board_for(sessions[1])


@pytest.fixture
def alice(event):
    return make_participant(event, display_name="Alice Coopère")
