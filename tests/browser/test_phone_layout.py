"""The pages on a phone (390×844, Debian's chromium driven by Playwright): a compact
header whose links are behind « Menu », and the live updates' status badge never
covering the text of a post."""

from __future__ import annotations

import os
import shutil

import pytest

from forum.models import Event
from forum.seed.loader import programme_load
from forum.tests.board_factories import board_for, make_participant, make_thread, reply

CHROMIUM = os.environ.get("INTERCOOP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PHONE = {"width": 390, "height": 844}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason=f"no chromium at {CHROMIUM}"),
]


def _overlaps(a: dict, b: dict) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


@pytest.fixture
def thread():
    programme_load()
    event = Event.objects.get(slug="intercoop-2007")
    alice = make_participant(event, display_name="Alice Coopère")
    session = event.sessions.order_by("number").first()
    thread = make_thread(board_for(session), author=alice, title="Les outils partagés")
    for number in range(12):
        reply(thread, author=alice, body=f"Réponse {number} : " + "un texte assez long. " * 12)
    return thread


def _phone_page(playwright):
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    context = browser.new_context(locale="fr-FR", viewport=PHONE, is_mobile=True)
    return browser, context.new_page()


def test_the_header_is_compact_and_its_links_are_behind_a_menu(live_server, thread):
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser, page = _phone_page(playwright)
        page.goto(live_server.url + "/")
        header = page.locator(".site-header").bounding_box()
        forums_hidden = not page.get_by_role("link", name="Forums", exact=True).is_visible()
        page.get_by_role("button", name="Menu").click()
        expanded = page.get_by_role("button", name="Menu").get_attribute("aria-expanded")
        forums_shown = page.get_by_role("link", name="Forums", exact=True).is_visible()
        page.keyboard.press("Escape")
        closed_again = not page.get_by_role("link", name="Forums", exact=True).is_visible()
        browser.close()
    assert header["height"] <= 0.1 * PHONE["height"], header
    assert forums_hidden and expanded == "true" and forums_shown and closed_again


def test_the_live_badge_never_covers_post_text(live_server, thread):
    playwright_api = pytest.importorskip("playwright.sync_api")
    overlaps = []
    with playwright_api.sync_playwright() as playwright:
        browser, page = _phone_page(playwright)
        page.goto(live_server.url + thread.get_absolute_url())
        # The badge as live.js shows it once connected (this test server has no
        # websockets): its text, its state, visible.
        page.evaluate(
            """() => {
                const root = document.querySelector("[data-live-url]");
                const badge = document.querySelector("[data-live-status]");
                badge.textContent = root.getAttribute("data-live-label-live");
                badge.setAttribute("data-state", "live");
                badge.hidden = false;
            }"""
        )
        height = page.evaluate("() => document.documentElement.scrollHeight")
        for top in range(0, height, PHONE["height"] // 2):
            page.evaluate("(top) => window.scrollTo(0, top)", top)
            badge = page.locator("[data-live-status]").bounding_box()
            assert badge and badge["width"] > 0
            for index, body in enumerate(page.locator("[data-post-body]").all()):
                box = body.bounding_box()
                if box and _overlaps(badge, box):
                    overlaps.append((top, index))
        browser.close()
    assert overlaps == []
