"""The session's facilitator, their questionnaire, and one with answers from people of two
networks: for the questionnaire and synthesis tests."""

from __future__ import annotations

import pytest

from forum.models import Anonymity
from forum.services.answers import questionnaire_decline, questionnaire_submit
from forum.tests.board_factories import make_facilitator
from forum.tests.factories import make_network, make_registration, make_user
from forum.tests.questionnaire_factories import choice, good_answers, make_questionnaire


def participant(session, network=None, name=""):
    person = make_user(display_name=name)
    make_registration(user=person, event=session.event, network=network, sessions=[session])
    return person


@pytest.fixture
def cornu(sessions):
    return make_facilitator(sessions[1], display_name="Jean-Michel Cornu")


@pytest.fixture
def built(sessions, cornu):
    """The first session's questionnaire as its facilitator built it (no answer yet)."""
    return make_questionnaire(sessions[1], builder=cornu)


def answered_questionnaire(session, builder, anonymity=Anonymity.ANONYMOUS):
    """Five people registered (three of the schools' network, two of none): three
    answer, one declines. Trust 2, 4, 5; two associations and a council; yes, yes, no."""
    questionnaire, questions = make_questionnaire(session, anonymity=anonymity, builder=builder)
    schools = make_network("Écoles coopératives")
    people = [participant(session, schools, f"École {n}") for n in range(3)]
    people += [participant(session, None, f"Seul·e {n}") for n in range(2)]
    council = str(choice(questions["group"], "Une collectivité"))
    forum_choice = str(choice(questions["tools"], "Un forum"))
    answers = [
        good_answers(questions, trust="2"),
        good_answers(questions, trust="4", story='=HYPERLINK("http://x")'),
        good_answers(
            questions,
            trust="5",
            group=council,
            tools=[forum_choice],
            step_back="no",
            name="",
            story="",
        ),
    ]
    for person, values in zip((people[0], people[1], people[3]), answers, strict=True):
        questionnaire_submit(questionnaire=questionnaire, person=person, answers=values)
    questionnaire_decline(questionnaire=questionnaire, person=people[4])
    return questionnaire, questions, people
