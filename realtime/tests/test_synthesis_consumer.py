"""The synthesis page's socket: an answer re-renders its figures for whoever may read
them, a projected chart reaches the session's live page, and nobody else listens."""

from __future__ import annotations

import pytest

from forum.services import testimonies
from forum.services.answers import questionnaire_submit
from forum.services.synthesis import (
    synthesis_project,
    synthesis_project_testimony,
    synthesis_share,
)
from forum.tests.factories import make_user
from forum.tests.questionnaire_factories import good_answers
from forum.tests.synthesis_fixtures import answered_questionnaire, cornu, participant  # noqa: F401
from realtime.tests.live import cookie_for, event_after, refusal_codes, session_path

pytestmark = pytest.mark.django_db(transaction=True)


def synthesis_path(session) -> str:
    return f"/ws/sessions/{session.slug}/synthese/"


def test_an_answer_updates_the_figures_of_readers_of_the_synthesis(session, cornu):  # noqa: F811
    questionnaire, questions, _people = answered_questionnaire(session, cornu)
    newcomer = participant(session)
    _response, message = event_after(
        synthesis_path(session),
        questionnaire_submit,
        questionnaire=questionnaire,
        person=newcomer,
        answers=good_answers(questions, trust="1"),
        cookie=cookie_for(cornu),
    )
    assert message["kind"] == "synthesis.results"
    assert (message["op"], message["target"]) == ("replace", "synthesis-results")
    html = message["html"]
    assert 'data-synthesis-responses="4"' in html
    assert "4 personnes ont répondu sur 7 inscrites" in html
    assert "moyenne <span data-chart-mean>3,0</span>" in html


def test_the_figures_in_english_for_a_reader_in_english(session, cornu):  # noqa: F811
    questionnaire, questions, _people = answered_questionnaire(session, cornu)
    _response, message = event_after(
        synthesis_path(session),
        questionnaire_submit,
        questionnaire=questionnaire,
        person=participant(session),
        answers=good_answers(questions, step_back="no"),
        cookie=cookie_for(cornu, language="en"),
    )
    assert "Response rate" in message["html"] and ">yes<" in message["html"]


def test_only_those_who_may_read_the_synthesis_follow_it(session, cornu):  # noqa: F811
    questionnaire, _questions, people = answered_questionnaire(session, cornu)
    path = synthesis_path(session)
    assert refusal_codes(path, cookie=cookie_for(people[0])) == (4404,)
    assert refusal_codes(path, cookie=cookie_for(make_user())) == (4404,)
    assert refusal_codes(path) == (4404,)
    assert refusal_codes("/ws/sessions/nulle-part/synthese/", cookie=cookie_for(cornu)) == (4404,)
    synthesis_share(questionnaire=questionnaire, actor=cornu, shared=True)
    _response, message = event_after(
        path,
        questionnaire_submit,
        questionnaire=questionnaire,
        person=participant(session),
        answers=good_answers(_questions),
        cookie=cookie_for(people[0]),
    )
    assert message["kind"] == "synthesis.results"


def test_a_projected_chart_reaches_the_live_page_and_follows_the_answers(session, cornu):  # noqa: F811
    questionnaire, questions, people = answered_questionnaire(session, cornu)
    _q, shown = event_after(
        session_path(session),
        synthesis_project,
        questionnaire=questionnaire,
        actor=cornu,
        question_id=questions["step_back"].pk,
    )
    assert (shown["kind"], shown["op"], shown["target"]) == (
        "session.projection",
        "replace",
        "session-projection",
    )
    assert "Avez-vous vu des personnes se désimpliquer ?" in shown["html"]
    _response, updated = event_after(
        session_path(session),
        questionnaire_submit,
        questionnaire=questionnaire,
        person=participant(session),
        answers=good_answers(questions, step_back="no"),
    )
    assert updated["kind"] == "session.projection"
    assert '<th scope="row">non</th><td>2</td>' in updated["html"]
    _q, cleared = event_after(
        session_path(session),
        synthesis_project,
        questionnaire=questionnaire,
        actor=cornu,
        question_id=None,
    )
    assert "hidden" in cleared["html"] and "<svg" not in cleared["html"]


def test_a_projected_testimony_reaches_the_live_page(session, cornu):  # noqa: F811
    questionnaire, _questions, _people = answered_questionnaire(session, cornu)
    writer = participant(session, name="Bruno Mutuelle")
    testimonies.testimony_consent_choose(session=session, person=writer, consent="anonymous")
    testimony = testimonies.testimony_submit(
        session=session, author=writer, title="Ce qu'on taisait", body="Les non-dits du bureau."
    )
    _q, shown = event_after(
        session_path(session),
        synthesis_project_testimony,
        questionnaire=questionnaire,
        actor=cornu,
        testimony_id=testimony.pk,
    )
    assert (shown["kind"], shown["op"], shown["target"]) == (
        "session.projection",
        "replace",
        "session-projection",
    )
    html = shown["html"]
    assert "Ce qu&#x27;on taisait" in html and "Témoignage anonyme" in html
    assert "Les non-dits du bureau." in html and "Bruno" not in html
    _q, cleared = event_after(
        session_path(session),
        synthesis_project_testimony,
        questionnaire=questionnaire,
        actor=cornu,
        testimony_id=None,
    )
    assert "hidden" in cleared["html"] and "taisait" not in cleared["html"]
