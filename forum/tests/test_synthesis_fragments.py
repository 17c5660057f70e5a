"""The synthesis drawn again every few seconds for less (forum.synthesis_fragments and
forum.selectors.synthesis_queries): a chart whose figures did not change is taken from
the cache, one whose answers changed is drawn anew, and what the page shows is always
what the answers say."""

from __future__ import annotations

import dataclasses
import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import translation

from config.testing import cache_fails
from forum import synthesis_fragments
from forum.models import Answer, Questionnaire, Response
from forum.page_cache import invalidate, synthesis_scope
from forum.selectors.synthesis_queries import TEXTS_SHOWN
from forum.services.answers import questionnaire_submit
from forum.services.questionnaires import question_edit
from forum.tests.questionnaire_factories import QUESTIONS, good_answers
from forum.tests.reading import page_text
from forum.tests.synthesis_fixtures import answered_questionnaire, cornu  # noqa: F401
from forum.views.synthesis import blocks_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(sessions, cornu):  # noqa: F811
    return answered_questionnaire(sessions[1], cornu)


@pytest.fixture
def drawn(monkeypatch):
    """The templates forum.synthesis_fragments rendered rather than found in the cache."""
    names = []
    original = synthesis_fragments.render_to_string

    def counting(name, context=None, *args, **kwargs):
        names.append(name)
        return original(name, context, *args, **kwargs)

    monkeypatch.setattr(synthesis_fragments, "render_to_string", counting)
    return names


def _page(cornu, session):  # noqa: F811
    """The facilitator's synthesis page, rendered now: as when it is due again (its
    shared render and its figures expired; what else is in the cache kept)."""
    invalidate([synthesis_scope(session.slug)])
    with translation.override("fr"):
        cache.delete(blocks_key(Questionnaire.objects.get(session=session)))
    client = Client()
    client.force_login(cornu)
    response = client.get(reverse("forum:synthesis", args=[session.slug]))
    assert response.status_code == 200 and response["X-Page-Cache"] == "miss"
    return response


def _chart(response, question) -> str:
    body = response.content.decode()
    return re.search(rf'<figure [^>]*id="chart-{question.pk}".*?</figure>', body, re.S).group(0)


def test_a_render_with_nothing_changed_draws_nothing_again(sessions, cornu, answered, drawn):  # noqa: F811
    first = _page(cornu, sessions[1])
    assert drawn.count(synthesis_fragments.CHART_TEMPLATE) == 4
    assert drawn.count(synthesis_fragments.TEXTS_TEMPLATE) == 1
    drawn.clear()
    again = _page(cornu, sessions[1])
    assert drawn == []
    assert page_text(again) == page_text(first)


def test_a_changed_answer_redraws_its_chart_alone_with_the_new_figures(
    sessions,
    cornu,  # noqa: F811
    answered,
    drawn,
):
    questionnaire, questions, people = answered
    before = _page(cornu, sessions[1])
    assert "moyenne 3,7 · médiane 4" in page_text(before)
    drawn.clear()
    # The first respondent changes their trust from 2 to 5, and nothing else.
    questionnaire_submit(
        questionnaire=questionnaire, person=people[0], answers=good_answers(questions, trust="5")
    )
    after = _page(cornu, sessions[1])
    assert drawn.count(synthesis_fragments.CHART_TEMPLATE) == 1
    assert "moyenne 4,7 · médiane 5" in page_text(after)
    trust = _chart(after, questions["trust"])
    assert '<th scope="row">5 — toujours</th><td>2</td><td>67 %</td>' in trust
    assert _chart(after, questions["group"]) == _chart(before, questions["group"])


def test_an_edited_answer_shows_its_new_text_on_the_next_render(sessions, cornu, answered):  # noqa: F811
    questionnaire, questions, people = answered
    assert "Personne n'a osé dire que la réunion était trop longue." in page_text(
        _page(cornu, sessions[1])
    )
    questionnaire_submit(
        questionnaire=questionnaire,
        person=people[0],
        answers=good_answers(questions, story="Finalement, la réunion était courte."),
    )
    text = page_text(_page(cornu, sessions[1]))
    assert "Finalement, la réunion était courte." in text
    assert "Personne n'a osé dire" not in text


def test_a_question_reworded_shows_its_new_wording_on_the_next_render(
    sessions,
    cornu,  # noqa: F811
    answered,
):
    _questionnaire, questions, _people = answered
    assert "Quelle confiance" not in page_text(_page(cornu, sessions[1]))
    fields = dataclasses.replace(QUESTIONS["trust"], text_fr="Quelle confiance au groupe ?")
    question_edit(question=questions["trust"], actor=cornu, fields=fields)
    chart = _chart(_page(cornu, sessions[1]), questions["trust"])
    assert "<strong>Quelle confiance au groupe ?</strong>" in chart


def test_free_texts_past_those_shown_are_counted_and_the_first_ones_listed(
    sessions,
    cornu,  # noqa: F811
    answered,
):
    questionnaire, questions, _people = answered
    extra = TEXTS_SHOWN + 5
    responses = Response.objects.bulk_create(
        Response(questionnaire=questionnaire, key=f"k{n}", submitted=True) for n in range(extra)
    )
    Answer.objects.bulk_create(
        Answer(response=response, question=questions["name"], text=f"Groupe n° {n}")
        for n, response in enumerate(responses)
    )
    everyone = list(
        Answer.objects.filter(question=questions["name"])
        .exclude(text="")
        .order_by("pk")
        .values_list("text", flat=True)
    )
    assert len(everyone) == extra + 2  # and the two of the fixture
    text = page_text(_page(cornu, sessions[1]))
    assert f"{extra + 2} réponses — {TEXTS_SHOWN} affichées ; toutes sont dans l'export." in text
    section = re.search(
        rf'aria-labelledby="texts-{questions["name"].pk}".*?</section>',
        _page(cornu, sessions[1]).content.decode(),
        re.S,
    ).group(0)
    listed = re.findall(r"<li>(.*?)</li>", section)
    assert listed == everyone[:TEXTS_SHOWN]


def test_a_failing_cache_still_draws_the_charts(sessions, cornu, answered, monkeypatch, caplog):  # noqa: F811
    cache_fails(monkeypatch, "get_many")
    client = Client()
    client.force_login(cornu)
    response = client.get(reverse("forum:synthesis", args=[sessions[1].slug]))
    assert response.content.decode().count('<svg class="chart"') == 4
    assert "moyenne 3,7 · médiane 4" in page_text(response)
    assert "synthesis fragments: cache unavailable" in caplog.text
