"""The questionnaire's draft in a real browser: what the person types reaches the server
as a draft a moment later, and a tab closed while offline loses nothing (the copy kept
in the browser is put back and sent when the page is opened again)."""

from __future__ import annotations

import os
import time

import pytest
from django.db import connections

from forum.models import Event, Response
from forum.questionnaire_tokens import link_token
from forum.seed.loader import programme_load
from forum.tests.board_factories import make_participant
from forum.tests.questionnaire_factories import make_questionnaire
from tests.browser.test_live_thread import CHROMIUM, CHROMIUM_ARGS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM),
        reason=f"no chromium at {CHROMIUM} (apt-get install chromium chromium-driver)",
    ),
]


def _draft_of(response_filter: dict, question_pk: int, timeout: float = 10) -> str | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = Response.objects.filter(**response_filter).first()
        value = response and response.draft.get(str(question_pk))
        if value:
            return value
        time.sleep(0.2)
    return None


@pytest.fixture
def browser(monkeypatch):
    playwright_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API runs an event loop in this thread; the test's own database
    # reads are plain synchronous ones between its calls.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()
            # The test's queries, made while Playwright's sync API runs (in a greenlet),
            # went through a connection apart from the one pytest-django set up:
            # closed here, or PostgreSQL refuses to drop the test database it uses.
            connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_typing_saves_a_draft_and_a_tab_closed_offline_loses_nothing(live_server, browser):
    programme_load()
    event = Event.objects.get()
    questionnaire, questions = make_questionnaire(event.sessions.get(number=1))
    person = make_participant(event)
    story = questions["story"]
    link = (
        live_server.url
        + f"/questionnaires/{link_token(questionnaire_id=questionnaire.pk, user_id=person.pk)}/"
    )
    context = browser.new_context(bypass_csp=True, locale="fr-FR")
    page = context.new_page()
    page.goto(link)

    page.fill(f"textarea[name=q{story.pk}]", "Personne n'a osé dire")
    assert _draft_of({"questionnaire": questionnaire}, story.pk) == "Personne n'a osé dire"
    page.wait_for_function("document.querySelector('[data-draft-status]').textContent.length > 0")
    assert "Brouillon enregistré" in page.inner_text("[data-draft-status]")

    # Offline: the draft cannot reach the server; the tab is closed.
    context.set_offline(True)
    page.fill(f"textarea[name=q{story.pk}]", "Personne n'a osé dire que la réunion durait trop")
    page.wait_for_timeout(200)
    page.close()
    context.set_offline(False)
    assert Response.objects.get().draft[str(story.pk)] == "Personne n'a osé dire"

    # Opened again: the browser's copy is back in the form, and sent.
    page = context.new_page()
    page.goto(link)
    assert page.input_value(f"textarea[name=q{story.pk}]").endswith("durait trop")
    assert "retrouvées dans ce navigateur" in page.inner_text("[data-draft-status]")
    expected = "Personne n'a osé dire que la réunion durait trop"
    deadline = time.monotonic() + 10
    while (
        Response.objects.get().draft.get(str(story.pk)) != expected and time.monotonic() < deadline
    ):
        time.sleep(0.2)
    assert Response.objects.get().draft[str(story.pk)] == expected

    # Sent: the confirmation page forgets the browser's copy.
    page.check(f"input[name=q{questions['group'].pk}] >> nth=0")
    page.check(f"input[name=q{questions['tools'].pk}] >> nth=1")
    page.check(f"input[name=q{questions['trust'].pk}][value='3']")
    page.check(f"input[name=q{questions['step_back'].pk}][value='no']")
    page.click("form[data-questionnaire-draft] button[type=submit]")
    page.wait_for_url("**/enregistre/")
    assert "Vos réponses sont enregistrées" in page.inner_text("h1")
    assert (
        page.evaluate(
            "Object.keys(localStorage).filter(k => k.startsWith('intercoop-questionnaire')).length"
        )
        == 0
    )
    response = Response.objects.get()
    assert response.submitted and response.draft == {}
    context.close()
