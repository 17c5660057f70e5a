"""The questionnaire's read API (docs/api.md, "Questionnaires"): facilitators and
organisers only; anonymous answers carry no person."""

from __future__ import annotations

import pytest
from django.test import Client

from forum.models import Anonymity
from forum.tests.board_factories import make_organiser, make_private
from forum.tests.factories import make_user
from forum.tests.synthesis_fixtures import answered_questionnaire, cornu  # noqa: F401

pytestmark = pytest.mark.django_db

BASE = "/api/sessions/travail-collaboratif/questionnaire/"


def _get(person, path):
    client = Client()
    if person is not None:
        client.force_login(person)
    return client.get(path)


def test_the_questionnaire_and_its_questions(sessions, cornu):  # noqa: F811
    _q, questions, _people = answered_questionnaire(sessions[1], cornu)
    response = _get(cornu, BASE)
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    data = response.json()
    assert set(data) == {
        "session",
        "title_fr",
        "title_en",
        "state",
        "anonymity",
        "closes_at",
        "questions",
    }
    assert data["anonymity"] == "anonymous" and data["state"] == "open"
    trust = next(q for q in data["questions"] if q["id"] == questions["trust"].pk)
    assert trust["scale"]["low_fr"] == "jamais" and trust["kind"] == "scale"
    group = next(q for q in data["questions"] if q["id"] == questions["group"].pk)
    assert [c["label_en"] for c in group["choices"]] == ["An association", "A local council"]


def test_the_results(sessions, cornu):  # noqa: F811
    _q, questions, _people = answered_questionnaire(sessions[1], cornu)
    data = _get(cornu, BASE + "results/").json()
    assert (data["expected"], data["answered"], data["declined"], data["responses"]) == (6, 3, 1, 3)
    assert data["rate"] == 0.5
    assert {n["name"]: n["answered"] for n in data["networks"]} == {
        "Écoles coopératives": 2,
        "Sans réseau": 1,
    }
    trust = next(q for q in data["questions"] if q["id"] == questions["trust"].pk)
    assert [c["count"] for c in trust["counts"]] == [0, 1, 0, 1, 1]
    assert trust["median"] == 4 and round(trust["mean"], 2) == 3.67


def test_anonymous_answers_carry_no_person(sessions, cornu):  # noqa: F811
    _q, questions, people = answered_questionnaire(sessions[1], cornu)
    response = _get(cornu, BASE + "answers/")
    data = response.json()
    assert len(data) == 3 and all(set(item) == {"answers"} for item in data)
    trusts = sorted(item["answers"][str(questions["trust"].pk)] for item in data)
    assert trusts == [2, 4, 5]
    assert ["Une liste", "Un wiki"] in [
        item["answers"].get(str(questions["tools"].pk)) for item in data
    ]
    body = response.content.decode()
    for person in people:
        assert person.email not in body and "École" not in body


def test_named_answers_carry_the_display_name_only(sessions, cornu):  # noqa: F811
    _q, _questions, people = answered_questionnaire(sessions[1], cornu, anonymity=Anonymity.NAMED)
    response = _get(make_organiser(sessions[1].event), BASE + "answers/")
    assert sorted(item["person"] for item in response.json()) == ["Seul·e 0", "École 0", "École 1"]
    assert people[0].email not in response.content.decode()


def test_who_may_not_read_it(sessions, cornu):  # noqa: F811
    _q, _questions, people = answered_questionnaire(sessions[1], cornu)
    for path in (BASE, BASE + "results/", BASE + "answers/"):
        refused = _get(people[0], path)
        assert refused.status_code == 403 and "error" in refused.json()
        assert _get(None, path).status_code == 403
    assert Client().post(BASE, {}).status_code == 405
    assert _get(cornu, "/api/sessions/pratiques-web2/questionnaire/").status_code == 404
    assert _get(cornu, "/api/sessions/nulle-part/questionnaire/").status_code == 404
    make_private(sessions[1])
    hidden = _get(make_user(), BASE + "results/")
    assert hidden.status_code == 404 and hidden.json() == {"error": "Session introuvable."}
