"""The synthesis page open in a facilitator's browser while `intercoop run` serves it:
a participant's answer sent from another page changes its chart without reload, and a
chart the facilitator projects appears on the session's live page."""

from __future__ import annotations

import os

import pytest

from tests.browser.test_live_thread import (
    CHROMIUM,
    LIVE_WITHIN_MS,
    chromium_browser,
    serving,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM),
        reason=f"no chromium at {CHROMIUM} (apt-get install chromium chromium-driver)",
    ),
]

SETUP = """
import json
from django.test import Client
from forum.models import Event
from forum.questionnaire_tokens import link_token
from forum.tests.board_factories import make_facilitator, make_participant
from forum.tests.questionnaire_factories import make_questionnaire

event = Event.objects.get(slug="intercoop-2007")
session = event.sessions.order_by("number").first()
cornu = make_facilitator(session, display_name="Jean-Michel Cornu")
questionnaire, questions = make_questionnaire(session, builder=cornu)
person = make_participant(event, display_name="Alice Coopère")
client = Client()
client.force_login(cornu)
print(json.dumps({
    "synthesis_url": "/sessions/%s/synthese/" % session.slug,
    "live_url": "/sessions/%s/live/" % session.slug,
    "answer_url": "/questionnaires/%s/" % link_token(
        questionnaire_id=questionnaire.pk, user_id=person.pk),
    "cornu_session": client.cookies["sessionid"].value,
    "questions": {name: question.pk for name, question in questions.items()},
}))
"""


@pytest.fixture(scope="module")
def server():
    yield from serving("intercoop-synthesis-", SETUP)


@pytest.fixture(scope="module")
def browser():
    yield from chromium_browser()


def _facilitator_page(browser, server, path):
    context = browser.new_context(bypass_csp=True, locale="fr-FR")
    context.add_cookies(
        [{"name": "sessionid", "value": server.setup["cornu_session"], "url": server.url}]
    )
    page = context.new_page()
    page.goto(server.url + path)
    page.wait_for_function("window.intercoopLive && window.intercoopLive.state() === 'live'")
    return page


def _answer(browser, server, *, trust: str) -> None:
    page = browser.new_context(bypass_csp=True, locale="fr-FR").new_page()
    page.goto(server.url + server.setup["answer_url"])
    questions = server.setup["questions"]
    page.check(f"input[name=q{questions['group']}] >> nth=0")
    page.check(f"input[name=q{questions['tools']}] >> nth=1")
    page.check(f"input[name=q{questions['trust']}][value='{trust}']")
    page.check(f"input[name=q{questions['step_back']}][value='yes']")
    page.click("form[data-questionnaire-draft] button[type=submit]")
    page.wait_for_url("**/enregistre/")
    page.context.close()


def _trust_counts(page, server) -> list[str]:
    trust = server.setup["questions"]["trust"]
    return page.eval_on_selector_all(
        f"#chart-{trust} .chart-row", "rows => rows.map(r => r.dataset.chartCount)"
    )


def test_an_answer_on_one_page_changes_the_chart_on_the_other(browser, server):
    synthesis = _facilitator_page(browser, server, server.setup["synthesis_url"])
    assert synthesis.get_attribute("#synthesis-results", "data-synthesis-responses") == "0"
    assert _trust_counts(synthesis, server) == ["0", "0", "0", "0", "0"]
    synthesis.evaluate("window.notReloaded = true")

    _answer(browser, server, trust="4")

    synthesis.wait_for_function(
        "document.querySelector('#synthesis-results').dataset.synthesisResponses === '1'",
        timeout=LIVE_WITHIN_MS,
    )
    assert synthesis.evaluate("window.notReloaded") is True
    assert _trust_counts(synthesis, server) == ["0", "0", "0", "1", "0"]
    assert "moyenne 4" in synthesis.inner_text(f"#chart-{server.setup['questions']['trust']}")
    width = synthesis.get_attribute(
        f"#chart-{server.setup['questions']['trust']} .chart-row:nth-child(4) .chart-bar", "width"
    )
    assert float(width) > 0
    synthesis.context.close()


def test_a_projected_chart_appears_on_the_live_page(browser, server):
    live = browser.new_context(bypass_csp=True, locale="fr-FR").new_page()
    live.goto(server.url + server.setup["live_url"])
    live.wait_for_function("window.intercoopLive && window.intercoopLive.state() === 'live'")
    assert live.locator("#session-projection").is_hidden()

    synthesis = _facilitator_page(browser, server, server.setup["synthesis_url"])
    synthesis.select_option("#project-question", str(server.setup["questions"]["trust"]))
    with synthesis.expect_navigation():
        synthesis.get_by_role("button", name="Projeter", exact=True).click()

    live.wait_for_selector("#session-projection svg.chart", timeout=LIVE_WITHIN_MS)
    assert "Chacun·e ose-t-il dire son désaccord ?" in live.inner_text("#session-projection")
    synthesis.context.close()
    live.context.close()
