from __future__ import annotations

import pytest

from forum.tests.board_factories import make_organiser, make_participant, make_thread
from forum.tests.search_factories import participant

# Registers the fixtures shared with realtime/tests (event, sessions, board, alice, and the
# autouse ones) for every test under forum/tests.
from forum.tests.shared_fixtures import *  # noqa: F403

# The first session's facilitator and the questionnaire they built (no answer yet), for
# the questionnaire tests.
from forum.tests.synthesis_fixtures import built, cornu  # noqa: F401, E402

# The people and the thread of the boards' tests. A module that needs other names or
# another thread defines its own fixture of the same name, which takes precedence.


@pytest.fixture
def bruno(event):
    return make_participant(event, display_name="Bruno Mutuelle")


@pytest.fixture
def organiser(event):
    return make_organiser(event, display_name="Odile Organise")


@pytest.fixture
def thread(board, alice):
    return make_thread(board, author=alice, title="Les outils partagés", body="Premier message.")


@pytest.fixture
def lea(event):
    """The author of the search, feed and API tests."""
    return participant(event, display_name="Léa Martin", email="lea.martin@exemple.org")
