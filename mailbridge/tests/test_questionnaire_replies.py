"""Reading a numbered reply: the forms people write answers in."""

from __future__ import annotations

import pytest

from forum.tests.questionnaire_factories import choice
from mailbridge.questionnaires.replies import numbered_lines, read_reply
from mailbridge.tests.questionnaire_support import QuestionnaireScene

pytestmark = pytest.mark.django_db


def test_numbers_with_any_separator_and_text_over_several_lines():
    body = "Bonjour,\n1. b\n2 : 4\n3) oui\n4- non\n5 libre\n6.Un texte\nqui continue\n2007 fut"
    assert numbered_lines(body) == [
        (1, "b"),
        (2, "4"),
        (3, "oui"),
        (4, "non"),
        (5, "libre"),
        (6, "Un texte\nqui continue\n2007 fut"),
    ]


@pytest.fixture
def scene():
    return QuestionnaireScene()


def _ordered(scene):
    return [scene.questions[name] for name in ("group", "tools", "trust", "step_back", "name")]


@pytest.mark.parametrize(
    "answer", ["b", "B)", "2", "Une collectivité", "une collectivite", "A local council", "collec"]
)
def test_an_option_by_letter_number_or_words_in_french_or_english(scene, answer):
    read = read_reply(f"1. {answer}", _ordered(scene))
    assert read.problems == []
    assert read.values == {
        scene.questions["group"].pk: str(choice(scene.questions["group"], "Une collectivité"))
    }


def test_several_options_yes_no_in_english_and_a_scale(scene):
    read = read_reply("2. a et c\n3: 5\n4) Yes", _ordered(scene))
    tools = scene.questions["tools"]
    assert read.values[tools.pk] == [
        str(choice(tools, "Une liste")),
        str(choice(tools, "Un forum")),
    ]
    assert read.values[scene.questions["trust"].pk] == "5"
    assert read.values[scene.questions["step_back"].pk] == "yes"


def test_what_cannot_be_read_is_each_a_problem(scene):
    read = read_reply("1. z\n3. beaucoup\n4. peut-être\n7. oui", _ordered(scene))
    assert [(p.number, p.code) for p in read.problems] == [
        (1, "unknown_choice"),
        (3, "not_a_number"),
        (4, "not_yes_no"),
        (7, "no_such_question"),
    ]
    assert read.values == {}
    assert [p.code for p in read_reply("Merci !", _ordered(scene)).problems] == ["nothing_found"]
