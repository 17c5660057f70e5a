"""The thread page in a real browser (Debian's chromium driven by Playwright): quoting a
selected passage with "Citer" (static/js/quote.js), and a hostile post running no script."""

from __future__ import annotations

import os
import shutil

import pytest
from django.test import Client

from forum.models import Post
from forum.tests.board_factories import board_for, make_participant, make_thread, reply

CHROMIUM = os.environ.get("INTERCOOP_CHROMIUM", "/usr/bin/chromium")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason=f"no chromium at {CHROMIUM}"),
]


def signed_in_cookie(person, live_server) -> dict:
    client = Client()
    client.force_login(person)
    cookie = client.cookies["sessionid"]
    return {"name": "sessionid", "value": cookie.value, "url": live_server.url}


def test_selecting_a_passage_and_pressing_citer_quotes_only_that_passage(
    live_server, sessions, event
):
    playwright_api = pytest.importorskip("playwright.sync_api")
    alice = make_participant(event, display_name="Alice Coopère")
    bruno = make_participant(event, display_name="Bruno Mutuelle")
    thread = make_thread(
        board_for(sessions[1]),
        author=alice,
        title="Les assemblées générales",
        body="Premier paragraphe, à ne pas citer.\n\nSecond paragraphe à citer.",
    )
    hostile = reply(thread, author=alice, body="Regardez : <img src=x onerror=alert(1)>")
    first = thread.posts.get(number=1)
    cookie = signed_in_cookie(bruno, live_server)
    url = live_server.url + thread.get_absolute_url()

    # Django refuses database calls from a thread running an event loop (Playwright's):
    # everything the test needs from the database is read before and after the browser.
    dialogs = []
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(locale="fr-FR")
        context.add_cookies([cookie])
        page = context.new_page()
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(url)
        assert page.locator(f"#post-{hostile.pk} img").count() == 0
        page.evaluate(
            """(postId) => {
                const body = document.querySelector(`#post-${postId} [data-post-body]`);
                const paragraph = body.querySelectorAll("p")[1];
                const range = document.createRange();
                range.selectNodeContents(paragraph);
                const selection = window.getSelection();
                selection.removeAllRanges();
                selection.addRange(range);
            }""",
            first.pk,
        )
        page.locator(f"#post-{first.pk} [data-quote]").click()
        box = page.locator("textarea[name=body]")
        assert box.input_value() == "Alice Coopère a écrit :\n\n> Second paragraphe à citer.\n\n"
        assert page.locator("input[name=in_reply_to]").input_value() == str(first.pk)
        assert page.locator("[data-replying-to]").inner_text() == "en réponse à Alice Coopère (#1)"
        assert page.url == url  # quoted in place, no reload
        box.press("End")
        box.type("Tout à fait d'accord.")
        page.get_by_role("button", name="Publier la réponse").click()
        page.wait_for_url("**#post-*")
        answer_html = page.locator("li.post").last.inner_html()
        browser.close()

    assert dialogs == []
    assert "<blockquote>" in answer_html and "Second paragraphe à citer." in answer_html
    assert "Premier paragraphe" not in answer_html
    assert "en réponse à Alice Coopère (#1)" in answer_html
    answer = Post.objects.get(thread=thread, number=3)
    assert answer.in_reply_to_id == first.pk
    assert answer.body_markdown.startswith(
        "Alice Coopère a écrit :\n\n> Second paragraphe à citer."
    )
