"""What someone typed survives a refused post, in a real browser (Debian's chromium
driven by Playwright): signed out and in again in another tab, the old tab's reply
gets the branded "Formulaire expiré" page, and the text is back in the box
(static/js/drafts.js) until the reply is accepted."""

from __future__ import annotations

import os
import shutil

import pytest

from forum.models import Post
from forum.tests.board_factories import board_for, make_participant, make_thread

CHROMIUM = os.environ.get("INTERCOOP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason=f"no chromium at {CHROMIUM}"),
]

TEXT = "Une longue réponse\n\nque je ne veux pas retaper."


def _sign_in(page, base_url: str, email: str, password: str) -> None:
    page.goto(base_url + "/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()


def test_a_reply_refused_for_a_changed_session_keeps_its_text_until_it_is_accepted(
    live_server, sessions, event
):
    playwright_api = pytest.importorskip("playwright.sync_api")
    from forum.tests.factories import PASSWORD

    alice = make_participant(event, display_name="Alice Coopère")
    make_participant(event, email="bruno@exemple.org", display_name="Bruno Mutuelle")
    thread = make_thread(board_for(sessions[1]), author=alice, title="Les assemblées")
    url = live_server.url + thread.get_absolute_url()

    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="fr-FR")
        old_tab = context.new_page()
        _sign_in(old_tab, live_server.url, "bruno@exemple.org", PASSWORD)
        old_tab.goto(url)
        old_tab.locator("textarea[name=body]").fill(TEXT)

        other_tab = context.new_page()
        other_tab.goto(live_server.url + "/")
        other_tab.get_by_role("button", name="Se déconnecter").click()
        other_tab.wait_for_load_state()
        _sign_in(other_tab, live_server.url, "bruno@exemple.org", PASSWORD)
        other_tab.close()

        old_tab.get_by_role("button", name="Publier la réponse").click()
        old_tab.wait_for_load_state()
        refused_heading = old_tab.locator("h1").inner_text()
        refused_text = old_tab.locator("main").inner_text()

        old_tab.go_back()
        old_tab.wait_for_load_state()
        after_back = old_tab.locator("textarea[name=body]").input_value()
        old_tab.reload()
        after_reload = old_tab.locator("textarea[name=body]").input_value()
        # The page came again from the server, with an empty box: the draft filled it.
        assert after_reload == TEXT

        old_tab.get_by_role("button", name="Publier la réponse").click()
        old_tab.wait_for_url("**#post-*")
        old_tab.goto(url)
        after_accepted = old_tab.locator("textarea[name=body]").input_value()
        drafts_left = old_tab.evaluate(
            "() => Object.keys(localStorage).filter((key) => key.startsWith('intercoop:draft:'))"
        )
        browser.close()

    assert refused_heading == "Formulaire expiré"
    assert "Votre texte n'est pas perdu" in refused_text
    assert "DEBUG" not in refused_text
    assert after_back == TEXT
    assert Post.objects.get(thread=thread, number=2).body_markdown == TEXT
    assert after_accepted == ""
    assert drafts_left == []
