"""Accessibility: axe-core (its script from the axe-playwright-python package, no
CDN) finds no violation on any page type, signed in or not, and a person posts a
reply with the keyboard alone."""

from __future__ import annotations

import os
import shutil

import pytest
from django.test import Client

from forum.models import Event, Post, SessionState
from forum.seed.loader import programme_load
from forum.tests.board_factories import board_for, make_participant, make_thread, reply
from forum.tests.library_factories import entry as library_entry

CHROMIUM = os.environ.get("INTERCOOP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason=f"no chromium at {CHROMIUM}"),
]


@pytest.fixture
def site(live_server):
    programme_load()
    event = Event.objects.get(slug="intercoop-2007")
    session = event.sessions.order_by("number").first()
    session.state = SessionState.LIVE
    session.save()
    board = board_for(session)
    alice = make_participant(event, display_name="Alice Coopère")
    bruno = make_participant(event, display_name="Bruno Mutuelle")
    thread = make_thread(board, author=alice, title="Les outils partagés", body="Un **wiki** ?")
    reply(thread, author=bruno, body="Oui, et une liste.")
    shelved = library_entry(alice, "Guide du wiki", tag_names=["wiki"])
    client = Client()
    client.force_login(bruno)
    return {
        "cookie": {
            "name": "sessionid",
            "value": client.cookies["sessionid"].value,
            "url": live_server.url,
        },
        "thread": thread,
        "pages": [
            "/",
            "/programme/",
            f"/sessions/{session.slug}/",
            f"/sessions/{session.slug}/live/",
            "/forums/",
            "/derniers/",
            board.get_absolute_url(),
            thread.get_absolute_url(),
            "/recherche/?q=wiki",
            f"/personnes/{alice.pk}/",
            "/accounts/login/",
            "/bibliotheque/",
            shelved.get_absolute_url(),
        ],
        "signed_in_pages": [
            "/non-lus/",
            "/mon-programme/",
            "/inscription/",
            thread.get_absolute_url(),
            f"/sessions/{session.slug}/live/",
            f"/forums/{board.slug}/nouveau/",
            "/bibliotheque/proposer/",
            shelved.get_absolute_url(),
        ],
    }


def _violations(page, axe) -> list[str]:
    results = axe.run(page)
    return [
        f"{page.url}: {violation['id']} ({len(violation['nodes'])}): {violation['help']}"
        for violation in results.response["violations"]
    ]


def test_axe_finds_no_violation_on_any_page_type(live_server, site):
    playwright_api = pytest.importorskip("playwright.sync_api")
    axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")
    axe = axe_module.Axe()
    found = []
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for signed_in, paths in ((False, site["pages"]), (True, site["signed_in_pages"])):
            context = browser.new_context(locale="fr-FR", bypass_csp=True)
            if signed_in:
                context.add_cookies([site["cookie"]])
            page = context.new_page()
            for path in paths:
                page.goto(live_server.url + path)
                found += _violations(page, axe)
            context.close()
        browser.close()
    assert found == []


def test_a_reply_is_posted_with_the_keyboard_alone(live_server, site):
    playwright_api = pytest.importorskip("playwright.sync_api")
    thread = site["thread"]
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="fr-FR")
        context.add_cookies([site["cookie"]])
        page = context.new_page()
        page.goto(live_server.url + thread.get_absolute_url())
        reached = False
        for _press in range(200):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.name") == "body":
                reached = True
                break
        assert reached, "the reply box cannot be reached with Tab"
        page.keyboard.type("Écrit au clavier seulement.")
        for _press in range(10):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.type") == "submit":
                break
        page.keyboard.press("Enter")
        # The reply shows on the page once the server has it (after the redirect, or
        # put in by the live composer): only then may the browser close.
        page.locator(".post-body", has_text="Écrit au clavier seulement.").first.wait_for(
            timeout=20_000
        )
        browser.close()
    assert Post.objects.filter(thread=thread, body_markdown="Écrit au clavier seulement.").exists()
