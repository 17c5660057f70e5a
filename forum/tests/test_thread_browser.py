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


def test_a_participant_signs_in_opens_a_thread_and_a_hostile_image_runs_no_script(
    live_server, sessions, event
):
    """The whole path with the real forms: sign in, open a thread, reply with "Citer";
    an <img onerror> written in the thread never runs."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    from forum.tests.factories import PASSWORD

    claire = make_participant(event, email="claire@exemple.org", display_name="Claire Scop")
    board_url = live_server.url + board_for(sessions[1]).get_absolute_url()

    dialogs = []
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_context(locale="fr-FR").new_page()
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

        page.goto(live_server.url + "/accounts/login/")
        page.fill("input[name=login]", "claire@exemple.org")
        page.fill("input[name=password]", PASSWORD)
        page.locator("form button[type=submit]").last.click()
        page.wait_for_load_state()

        page.goto(board_url)
        page.get_by_role("link", name="Nouveau fil").click()
        page.fill("input[name=title]", "Une image piégée")
        page.fill("textarea[name=body]", "Voyez : <img src=x onerror=alert(1)>\n\nEt *ceci*.")
        page.get_by_role("button", name="Publier le fil").click()
        page.wait_for_selector("li.post")
        page.wait_for_timeout(300)  # give a broken image time to fire onerror
        assert page.locator("li.post img").count() == 0
        assert "<img src=x onerror=alert(1)>" in page.locator("li.post").first.inner_text()

        page.locator("li.post [data-quote]").first.click()
        page.locator("textarea[name=body]").press("End")
        page.locator("textarea[name=body]").type("Bien vu, je le signale.")
        page.get_by_role("button", name="Publier la réponse").click()
        page.wait_for_url("**#post-*")
        posts = page.locator("li.post").count()
        reply_text = page.locator("li.post").last.inner_text()
        browser.close()

    assert dialogs == []
    assert posts == 2
    assert "en réponse à Claire Scop (#1)" in reply_text
    assert "Bien vu, je le signale." in reply_text
    answer = Post.objects.get(thread__title="Une image piégée", number=2)
    assert answer.author == claire and answer.body_markdown.startswith("Claire Scop a écrit :")
