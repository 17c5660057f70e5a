"""The home page's first screen, on a laptop (1366×768) and a phone (390×844): the
registration button and the programme (every session's line) are within it, the
long presentation comes below, folded."""

from __future__ import annotations

import os
import shutil

import pytest

from forum.models import Event
from forum.seed.loader import programme_load

CHROMIUM = os.environ.get("INTERCOOP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENS = {
    "laptop": ({"width": 1366, "height": 768}, False),
    "phone": ({"width": 390, "height": 844}, True),
}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason=f"no chromium at {CHROMIUM}"),
]


def _within(box: dict, viewport: dict) -> bool:
    return (
        box is not None
        and box["y"] >= 0
        and box["y"] + box["height"] <= viewport["height"]
        and box["x"] >= 0
        and box["x"] + box["width"] <= viewport["width"]
    )


@pytest.mark.parametrize("screen", SCREENS)
def test_the_registration_button_and_the_programme_are_on_the_first_screen(live_server, screen):
    programme_load()
    assert Event.objects.get(slug="intercoop-2007").presentation.strip()
    viewport, mobile = SCREENS[screen]
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="fr-FR", viewport=viewport, is_mobile=mobile)
        page = context.new_page()
        page.goto(live_server.url + "/")
        button = page.get_by_role("link", name="Je m'inscris aux journées").bounding_box()
        heading = page.get_by_role("heading", name="Programme", exact=True).bounding_box()
        lines = [line.bounding_box() for line in page.locator(".session-line").all()]
        presentation_open = page.locator("details.presentation").get_attribute("open")
        presentation = page.locator("details.presentation").bounding_box()
        browser.close()
    assert _within(button, viewport), button
    assert _within(heading, viewport), heading
    assert len(lines) == 3 and all(_within(line, viewport) for line in lines), lines
    assert presentation_open is None
    assert presentation["y"] >= max(line["y"] + line["height"] for line in lines)
