"""The main pages under their Content-Security-Policy in a real browser: `intercoop
run` serves them (HTTP and the live pages' websockets), Chromium loads each as an
anonymous visitor and as a signed-in participant, and any violation the browser
reports (in the console, or as a `securitypolicyviolation` event) fails the test."""

from __future__ import annotations

import os

import pytest

from tests.browser.test_live_thread import CHROMIUM, CHROMIUM_ARGS, serving

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"no chromium at {CHROMIUM}"),
]

SETUP = """
import json
from datetime import timedelta
from django.test import Client
from django.utils import timezone
from forum import services
from forum.models import Board, Event
from forum.services.questionnaires import questionnaire_open
from forum.tests.factories import make_registration, make_user

event = Event.objects.get(slug="intercoop-2007")
session = event.sessions.order_by("number").first()
board = Board.objects.get(session=session)
alice = make_user("alice@exemple.org", display_name="Alice Coopère", is_superuser=True)
make_registration(user=alice, event=event)
thread = services.thread_create(
    board=board, author=alice, title="Sous la politique", body="Un message **en gras**."
)
questionnaire = session.questionnaire
questionnaire.closes_at = timezone.now() + timedelta(days=30)
questionnaire.save(update_fields=["closes_at"])
questionnaire_open(questionnaire=questionnaire, actor=alice)
client = Client()
client.force_login(alice)
print(json.dumps({
    "pages": [
        "/", "/programme/", "/forums/", board.get_absolute_url(), thread.get_absolute_url(),
        session.get_absolute_url(), "/sessions/%s/live/" % session.slug,
        "/recherche/?q=politique", "/accounts/login/", "/accounts/signup/",
        "/bibliotheque/", "/sessions/reseaux-cooperatifs/",
    ],
    "signed_in": [
        "/inscription/", thread.get_absolute_url(), "/sessions/%s/live/" % session.slug,
        "/sessions/%s/questionnaire/" % session.slug,
        "/sessions/%s/questionnaire/preparer/" % session.slug, "/admin/",
        "/bibliotheque/proposer/",
    ],
    "session": client.cookies["sessionid"].value,
}))
"""

# Registered before any script of the page runs: what the page's own code cannot hide.
WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


@pytest.fixture(scope="module")
def server():
    yield from serving("intercoop-csp-", SETUP)


def _violations(browser, server, paths: list[str], *, signed_in: bool) -> dict[str, list[str]]:
    context = browser.new_context(locale="fr-FR")
    if signed_in:
        context.add_cookies(
            [{"name": "sessionid", "value": server.setup["session"], "url": server.url}]
        )
    context.add_init_script(WATCH)
    found: dict[str, list[str]] = {}
    page = context.new_page()
    console: list[str] = []
    page.on(
        "console",
        lambda message: (
            console.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    for path in paths:
        console.clear()
        response = page.goto(server.url + path)
        assert response.ok, (path, response.status)
        assert "Content-Security-Policy" in {k.title(): v for k, v in response.headers.items()}
        page.wait_for_load_state("networkidle")
        reported = page.evaluate("window.__cspViolations") + console
        if reported:
            found[path] = reported
    context.close()
    return found


def test_the_main_pages_run_under_their_policy_without_a_violation(server):
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            anonymous = _violations(browser, server, server.setup["pages"], signed_in=False)
            member = _violations(browser, server, server.setup["signed_in"], signed_in=True)
        finally:
            browser.close()
    assert anonymous == {}
    assert member == {}
