"""The synthesis's figures: response rates overall and per network, bars, means and
medians, counted from sent answers only."""

from __future__ import annotations

import pytest

from forum.selectors.synthesis import (
    bars_of,
    distribution_mean,
    distribution_median,
    figures_for_question,
    rate,
    synthesis_of,
    texts_of,
)
from forum.services.answers import questionnaire_draft_save
from forum.tests.questionnaire_factories import good_answers
from forum.tests.synthesis_fixtures import answered_questionnaire, cornu, participant  # noqa: F401


def test_the_arithmetic():
    assert rate(3, 4) == 0.75 and rate(0, 0) is None
    assert distribution_mean({1: 1, 2: 0, 5: 2}) == pytest.approx(11 / 3)
    assert distribution_mean({}) is None and distribution_median({3: 0}) is None
    assert distribution_median({2: 1, 4: 1, 5: 1}) == 4  # odd: the middle one
    assert distribution_median({1: 1, 2: 1, 4: 1, 5: 1}) == 3  # even: mean of 2 and 4
    assert distribution_median({1: 3, 5: 1}) == 1
    bars = bars_of([("a", 2), ("b", 1), ("c", 0)], answered=4)
    assert [(b.count, b.percent, b.length) for b in bars] == [(2, 50, 100), (1, 25, 50), (0, 0, 0)]
    assert [b.length for b in bars_of([("a", 0)], answered=0)] == [0]


@pytest.mark.django_db
def test_rates_counts_means_and_medians(sessions, cornu):  # noqa: F811
    session = sessions[1]
    questionnaire, questions, people = answered_questionnaire(session, cornu)
    # A draft counts for nothing.
    lurker = participant(session)
    questionnaire_draft_save(
        questionnaire=questionnaire, person=lurker, answers=good_answers(questions, trust="1")
    )
    synthesis = synthesis_of(questionnaire=questionnaire)
    # Expected: the five, the lurker, and the facilitator (registered to every session).
    assert (synthesis.answered, synthesis.declined, synthesis.responses) == (3, 1, 3)
    assert synthesis.expected == 7
    networks = {n.name: (n.expected, n.answered) for n in synthesis.networks}
    assert networks["Écoles coopératives"] == (3, 2)
    assert networks["Sans réseau"] == (4, 1)

    figures = {f.question.pk: f for f in synthesis.figures}
    trust = figures[questions["trust"].pk]
    assert [bar.count for bar in trust.bars] == [0, 1, 0, 1, 1]
    assert trust.mean == pytest.approx(11 / 3) and trust.median == 4
    assert trust.bars[0].label == "1 — jamais"
    group = figures[questions["group"].pk]
    assert [(bar.label, bar.count) for bar in group.bars] == [
        ("Une association", 2),
        ("Une collectivité", 1),
    ]
    tools = figures[questions["tools"].pk]
    assert tools.answered == 3
    assert [(bar.count, bar.percent) for bar in tools.bars] == [(2, 67), (2, 67), (1, 33)]
    yes_no = figures[questions["step_back"].pk]
    assert [(bar.label, bar.count) for bar in yes_no.bars] == [("oui", 2), ("non", 1)]
    assert [q.pk for q in synthesis.text_questions] == [questions["name"].pk, questions["story"].pk]

    projected = figures_for_question(questionnaire=questionnaire, question_id=questions["trust"].pk)
    assert [bar.count for bar in projected.bars] == [0, 1, 0, 1, 1] and projected.answered == 3
    assert (
        figures_for_question(questionnaire=questionnaire, question_id=questions["story"].pk) is None
    )


@pytest.mark.django_db
def test_free_texts_filtered(sessions, cornu):  # noqa: F811
    questionnaire, questions, _people = answered_questionnaire(sessions[1], cornu)
    groups = {g.question.pk: g for g in texts_of(questionnaire=questionnaire)}
    story = groups[questions["story"].pk]
    assert story.total == 2 and '=HYPERLINK("http://x")' in story.texts
    only = texts_of(questionnaire=questionnaire, question_id=questions["name"].pk, contains="colib")
    assert [(g.question.pk, g.texts) for g in only] == [
        (questions["name"].pk, ["Les Colibris"] * 2)
    ]
    assert texts_of(questionnaire=questionnaire, contains="introuvable")[0].total == 0
