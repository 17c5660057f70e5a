"""Anonymity by storage: read the tables as someone with the database (and not the
server's secret) would, and find no way from a person to their answers.

forum/questionnaire_tokens.py states the guarantee these tests hold, and its limits.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid

import pytest
from django.db import connection

from forum.models import Anonymity, Questionnaire, Respondent, Response
from forum.questionnaire_tokens import KEY_SALT, response_keys
from forum.services import questionnaires as building
from forum.services.answers import questionnaire_submit
from forum.tests.board_factories import make_participant
from forum.tests.questionnaire_factories import good_answers, make_questionnaire

pytestmark = pytest.mark.django_db

# What the answer tables hold, all of it: a column added here (a date, a person) must
# be thought through against the guarantee, so this list is exact.
RESPONSE_COLUMNS = {"id", "questionnaire_id", "key", "user_id", "submitted", "draft"}
ANSWER_COLUMNS = {"id", "response_id", "question_id", "choice_id", "number", "flag", "text"}


def table_rows(table: str) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def columns(table: str) -> dict[str, str]:
    with connection.cursor() as cursor:
        description = connection.introspection.get_table_description(cursor, table)
    return {
        column.name: connection.introspection.get_field_type(column.type_code, column)
        for column in description
    }


def foreign_keys(table: str) -> dict[str, str]:
    with connection.cursor() as cursor:
        relations = connection.introspection.get_relations(cursor, table)
    return {column: target_table for column, (_target, target_table) in relations.items()}


@pytest.fixture
def people(event):
    return [
        make_participant(event, display_name=name, email=f"{name.split()[0].lower()}@exemple.org")
        for name in ("Alice Coopère", "Bruno Mutuelle", "Chloé Réseau", "Driss Scop")
    ]


@pytest.fixture
def answered(sessions, people):
    """Four people answered an anonymous questionnaire, each a little differently."""
    questionnaire, questions = make_questionnaire(sessions[1])
    for number, person in enumerate(people, start=1):
        answers = good_answers(questions, trust=str(number), name=f"Groupe n° {number}")
        questionnaire_submit(questionnaire=questionnaire, person=person, answers=answers)
    questionnaire.refresh_from_db()
    return questionnaire, questions


def what_respondent_rows_tell(questionnaire: Questionnaire) -> dict[int, set[str]]:
    """For each person who answered, every value the respondent rows and their
    account give about them, and what can be computed from those without the
    server's secret (hashes, a wrong secret's HMAC, name-based UUIDs)."""
    told: dict[int, set[str]] = {}
    rows = Respondent.objects.filter(questionnaire=questionnaire).select_related("user__profile")
    for respondent in rows:
        user = respondent.user
        texts = {
            str(respondent.pk),
            str(user.pk),
            user.username,
            user.email,
            user.profile.display_name,
            f"{questionnaire.pk}.{user.pk}",
        }
        for moment in (respondent.answered_at, respondent.created_at):
            texts |= {moment.isoformat(), str(moment), str(int(moment.timestamp()))}
        for text in list(texts):
            data = text.encode()
            texts |= {
                hashlib.md5(data).hexdigest(),  # noqa: S324 - what someone might try
                hashlib.sha1(data).hexdigest(),  # noqa: S324
                hashlib.sha256(data).hexdigest(),
                hmac.new(b"wrong-secret", data, hashlib.sha256).hexdigest(),
                str(uuid.uuid5(uuid.NAMESPACE_OID, text)),
                str(uuid.uuid3(uuid.NAMESPACE_OID, text)),
            }
        told[user.pk] = texts
    return told


def test_the_answer_tables_have_no_person_no_respondent_and_no_time(answered):
    response_columns = columns(Response._meta.db_table)
    answer_columns = columns("forum_answer")
    assert set(response_columns) == RESPONSE_COLUMNS
    assert set(answer_columns) == ANSWER_COLUMNS
    for kinds in (response_columns, answer_columns):
        assert not {"DateTimeField", "DateField", "TimeField"} & set(kinds.values())
    # The only way to a person is the named questionnaires' user_id.
    response_links = foreign_keys(Response._meta.db_table)
    assert response_links == {"questionnaire_id": "forum_questionnaire", "user_id": "auth_user"}
    assert foreign_keys("forum_answer") == {
        "response_id": "forum_response",
        "question_id": "forum_question",
        "choice_id": "forum_choice",
    }


def test_an_anonymous_response_row_holds_nothing_derived_from_who_answered(answered):
    questionnaire, questions = answered
    responses = table_rows("forum_response")
    answers = table_rows("forum_answer")
    assert len(responses) == 4 and len(table_rows("forum_respondent")) == 4
    assert all(row["user_id"] is None for row in responses)
    # Random ids (UUID version 4): no sequence numbers the responses in answering order.
    for row in responses + answers:
        assert uuid.UUID(str(row["id"])).version == 4
    # Every cell of the answer tables, against everything the respondent rows tell.
    cells = [str(value) for row in responses + answers for value in row.values()]
    for person, told in what_respondent_rows_tell(questionnaire).items():
        long_enough = {text for text in told if len(text) >= 6}
        for cell in cells:
            assert not any(text in cell for text in long_enough), (person, cell)
    # The numbers in the answer rows name questions and options, nothing else.
    question_ids = {q.pk for q in questions.values()}
    choice_ids = {c.pk for q in questions.values() for c in q.choices.all()}
    for row in answers:
        assert row["question_id"] in question_ids
        assert row["choice_id"] is None or row["choice_id"] in choice_ids


def test_the_key_joins_only_with_the_servers_secret_and_not_at_all_once_closed(
    answered, people, settings
):
    questionnaire, _questions = answered
    stored = {row["key"] for row in table_rows("forum_response")}
    # Without the secret (another key), no key can be computed.
    real_secret = settings.SECRET_KEY
    settings.SECRET_KEY = "not-the-servers-secret-" + "y" * 40
    guessed = {
        response_keys(questionnaire=questionnaire, user_id=person.pk)[0] for person in people
    }
    assert guessed.isdisjoint(stored)
    # With it and the seal (the server's operator, while it is open): they join.
    # This is the documented limit, and what lets people edit their answers.
    settings.SECRET_KEY = real_secret
    computed = {
        response_keys(questionnaire=questionnaire, user_id=person.pk)[0] for person in people
    }
    assert computed == stored
    # Closed: the seal is wiped, and with it any way to recompute a key.
    organiser = questionnaire.session.facilitator_users.get()
    building.questionnaire_close(questionnaire=questionnaire, actor=organiser)
    questionnaire.refresh_from_db()
    assert questionnaire.seal == ""
    assert response_keys(questionnaire=questionnaire, user_id=people[0].pk) == []
    for person in people:
        value = f"{questionnaire.pk}.{person.pk}".encode()
        key = hashlib.sha256(f"{KEY_SALT}{settings.SECRET_KEY}".encode()).digest()
        assert hmac.new(key, value, hashlib.sha256).hexdigest() not in stored


def test_a_named_questionnaires_responses_name_their_person(sessions, people):
    questionnaire, questions = make_questionnaire(sessions[1], anonymity=Anonymity.NAMED)
    questionnaire_submit(
        questionnaire=questionnaire, person=people[0], answers=good_answers(questions)
    )
    (row,) = table_rows("forum_response")
    assert row["user_id"] == people[0].pk and row["key"] is None


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="xmin is PostgreSQL's")
def test_the_response_and_the_respondent_are_not_written_by_one_transaction(sessions, people):
    """PostgreSQL records in each row the id of the transaction that wrote it (xmin):
    `JOIN … ON respondent.xmin = response.xmin` must find nothing. (Those ids are
    handed out in order, so they still tell who wrote just before whom: the limit
    forum/questionnaire_tokens.py states.)"""
    questionnaire, questions = make_questionnaire(sessions[1])
    for person in people:
        questionnaire_submit(
            questionnaire=questionnaire, person=person, answers=good_answers(questions)
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT xmin::text FROM forum_respondent")
        respondents = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT xmin::text FROM forum_response UNION SELECT xmin::text FROM forum_answer"
        )
        responses = {row[0] for row in cursor.fetchall()}
    assert len(respondents) == len(people)
    assert respondents.isdisjoint(responses)
