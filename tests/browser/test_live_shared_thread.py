"""A thread shared from a session's board into a network's board, both boards open in
real browsers while `intercoop run` serves them: a reply moves the thread's row on
both pages without reload, with the new count, once each."""

from __future__ import annotations

import pytest

from tests.browser.test_live_thread import (
    LIVE_WITHIN_MS,
    _reply_on_the_web,
    browser,  # noqa: F401 - the module's fixture, shared
    pytestmark,  # noqa: F401 - browser, slow, and skipped without chromium
    serving,
)

SETUP = """
import json
from django.test import Client
from forum import services
from forum.models import Board, Event
from forum.tests.factories import make_registration, make_user

event = Event.objects.get(slug="intercoop-2007")
session = event.sessions.order_by("number").first()
board = Board.objects.get(session=session)
organiser = make_user("odile@exemple.org", is_superuser=True)
alice = make_user("alice@exemple.org", display_name="Alice Coopère")
bruno = make_user("bruno@exemple.org", display_name="Bruno Mutuelle")
for person in (alice, bruno):
    make_registration(user=person, event=event)
network = services.network_propose(user=alice, name="Réseau des Accorderies")
services.network_approve(network=network, organiser=organiser)
network_board = Board.objects.get(network=network)
thread = services.thread_create(
    board=board, author=alice, title="Une passerelle entre forums", body="Premier message."
)
services.thread_share(thread=thread, board=network_board, user=alice)
services.thread_create(board=board, author=alice, title="Un autre fil", body="Plus récent.")
services.thread_create(board=network_board, author=alice, title="Fil du réseau", body="Aussi.")
client = Client()
client.force_login(bruno)
print(json.dumps({
    "thread_id": thread.pk,
    "thread_url": thread.get_absolute_url(),
    "boards": [board.get_absolute_url(), network_board.get_absolute_url()],
    "bruno_session": client.cookies["sessionid"].value,
}))
"""


@pytest.fixture(scope="module")
def server():
    yield from serving("intercoop-shared-", SETUP)


def _board_reader(chromium, server, path):
    page = chromium.new_context(bypass_csp=True, locale="fr-FR").new_page()
    page.goto(server.url + path)
    page.wait_for_function("window.intercoopLive && window.intercoopLive.state() === 'live'")
    return page


def _first_row_id(page) -> str:
    return page.evaluate(
        "document.querySelector('[data-live-container] tr[id^=thread-], tr[id^=thread-]').id"
    )


def test_a_reply_in_a_shared_thread_moves_its_row_live_in_both_boards(browser, server):  # noqa: F811
    row = f"thread-{server.setup['thread_id']}"
    readers = [_board_reader(browser, server, path) for path in server.setup["boards"]]
    for page in readers:  # the shared thread is listed, not on top: newer threads are
        assert page.locator(f"#{row}").count() == 1
        assert _first_row_id(page) != row
    context = browser.new_context(bypass_csp=True, locale="fr-FR")
    context.add_cookies(
        [{"name": "sessionid", "value": server.setup["bruno_session"], "url": server.url}]
    )
    writer = context.new_page()
    writer.goto(server.url + server.setup["thread_url"])
    _reply_on_the_web(writer, "Réponse vue des deux forums.")
    for page in readers:
        page.wait_for_function(
            f"document.querySelector('tr[id^=thread-]').id === {row!r}", timeout=LIVE_WITHIN_MS
        )
        assert page.locator(f"#{row}").count() == 1
        assert page.locator(f"#{row} td.count").inner_text().strip().endswith("2")
