"""Reads of a session's questionnaire: its questions, a person's own answers, counts.

A person's anonymous response is found by its key alone (forum.questionnaire_tokens):
nothing else in the tables leads from the person to it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db.models import Count

from common.compiled_queries import CompiledQuery
from forum import questionnaire_cache
from forum.models import (
    Question,
    Questionnaire,
    Registration,
    RegistrationStatus,
    Respondent,
    RespondentStatus,
    Response,
    Session,
)
from forum.questionnaire_answers import form_values
from forum.questionnaire_tokens import response_keys


def questionnaire_for_session(*, session: Session) -> Questionnaire | None:
    return Questionnaire.objects.select_related("session__event").filter(session=session).first()


def questionnaire_for_session_slug(*, slug: str) -> Questionnaire | None:
    """The questionnaire of the session `slug`, with its session and event, in one
    query; None when there is no such session or it has none."""
    return Questionnaire.objects.select_related("session__event").filter(session__slug=slug).first()


def questionnaire_by_id(*, pk: int) -> Questionnaire | None:
    found = _QUESTIONNAIRE_BY_ID.objects(pk=pk)
    return found[0] if found else None


# Read for every answer by link and every live push of a synthesis: its SQL made once
# per process (common/compiled_queries.py).
_QUESTIONNAIRE_BY_ID = CompiledQuery(
    lambda shape, *, pk: Questionnaire.objects.select_related("session__event").filter(pk=pk)
)


def questions_of(*, questionnaire: Questionnaire) -> list[Question]:
    """The questions in order, each with its options (prefetched, in order): read once
    per version of the questionnaire and kept in the cache (forum.questionnaire_cache);
    each caller gets its own copies, with `questionnaire` as their questionnaire."""
    kept = questionnaire_cache.cached(
        questionnaire.pk, "questions", lambda: _questions_read(questionnaire.pk)
    )
    questions = [copy.copy(question) for question in kept]  # (their own fields cache)
    for question in questions:
        question.questionnaire = questionnaire
    return questions


def _questions_read(questionnaire_id: int) -> list[Question]:
    # Not through questionnaire.questions, which would attach the questionnaire to each
    # question: its seal must not be stored beside them in the cache.
    questions = Question.objects.filter(questionnaire_id=questionnaire_id)
    return list(questions.prefetch_related("choices").order_by("order", "pk"))


def response_of(*, questionnaire: Questionnaire, person, lock: bool = False) -> Response | None:
    """The person's response (a draft or sent), or None. Anonymous: by its key, the
    current secret's first, then the fallback secrets' (a key rotation)."""
    owner = _owner(questionnaire, person)
    if owner is None:
        return None
    found = {
        response.key: response
        for response in _RESPONSE.objects(
            (lock, len(owner)), questionnaire=questionnaire.pk, **owner
        )
    }
    if not questionnaire.is_anonymous:
        return next(iter(found.values()), None)
    keys = owner.values()  # the current secret's key first, then the fallback secrets'
    return next((found[key] for key in keys if key in found), None)


def _owner(questionnaire: Questionnaire, person) -> dict[str, int | str] | None:
    """How a person's response is found: their id, or (anonymous) their keys; None
    when they can have none."""
    if not questionnaire.is_anonymous:
        return {"user": person.pk}
    keys = response_keys(questionnaire=questionnaire, user_id=person.pk)
    return {f"key{index}": key for index, key in enumerate(keys)} or None


def _of_owner(questionnaire: int, **owner):
    responses = Response.objects.filter(questionnaire_id=questionnaire)
    if "user" in owner:
        return responses.filter(user_id=owner["user"])
    return responses.filter(key__in=list(owner.values()))


def _responses(shape, *, questionnaire: int, **owner):
    lock, _count = shape
    responses = _of_owner(questionnaire, **owner).order_by("pk")
    return responses.select_for_update() if lock else responses


# Read at every answer, by web and by mail, and at every page of the form: made once
# per process (common/compiled_queries.py), per number of keys.
_RESPONSE = CompiledQuery(_responses)
_MINE_ROWS = CompiledQuery(
    lambda count, *, questionnaire, **owner: _of_owner(questionnaire, **owner).values_list(*_MINE)
)


def respondent_status(*, questionnaire: Questionnaire, person) -> str | None:
    """answered, declined, or None (neither yet)."""
    rows = _RESPONDENT_STATUS.rows(questionnaire_id=questionnaire.pk, user_id=person.pk)
    return rows[0][0] if rows else None


_RESPONDENT_STATUS = CompiledQuery(
    lambda shape, *, questionnaire_id, user_id: (
        Respondent.objects.filter(questionnaire_id=questionnaire_id, user_id=user_id)
        .order_by("pk")
        .values_list("status")[:1]
    )
)


@dataclass
class PersonAnswers:
    """What a person sees of their own answers: those sent (`values`), what they
    typed since without sending (`draft`), both as {question id (str): value}."""

    submitted: bool = False
    values: dict[str, Any] = field(default_factory=dict)
    draft: dict[str, Any] = field(default_factory=dict)
    # Answered before the questionnaire was closed (and then opened again): anonymous
    # answers are out of everyone's reach since, their own too.
    sealed: bool = False

    @property
    def shown(self) -> dict[str, Any]:
        """What the form shows: the draft where there is one, else what was sent."""
        return self.draft or self.values


class _StoredAnswer(NamedTuple):
    question_id: int
    choice_id: int | None
    number: int | None
    flag: bool | None
    text: str


# The response's own columns, then those of each of its answers (none: NULLs).
_MINE = ("key", "submitted", "draft", *(f"answers__{name}" for name in _StoredAnswer._fields))


def answers_of(*, questionnaire: Questionnaire, person, sealed: bool = True) -> PersonAnswers:
    """The person's answers: their response and its answers read together (one query),
    and, for an anonymous questionnaire's person who has none, whether they answered
    before it was sealed (one more; not with `sealed=False`, for a caller that records
    answers next: questionnaire_submit finds out itself, under its lock)."""
    owner = _owner(questionnaire, person)
    keys = list(owner.values()) if owner and questionnaire.is_anonymous else []
    rows = _MINE_ROWS.rows(len(owner), questionnaire=questionnaire.pk, **owner) if owner else []
    if not rows:
        answered = (
            sealed
            and questionnaire.is_anonymous
            and respondent_status(questionnaire=questionnaire, person=person)
            == RespondentStatus.ANSWERED
        )
        return PersonAnswers(sealed=answered)
    if keys:  # the current secret's key first, then the fallback secrets' (a rotation)
        found = {row[0] for row in rows}
        key = next(key for key in keys if key in found)
        rows = [row for row in rows if row[0] == key]
    _key, submitted, draft = rows[0][:3]
    stored = [_StoredAnswer(*row[3:]) for row in rows if row[3] is not None]
    values = form_values(stored) if submitted else {}
    return PersonAnswers(submitted=submitted, values=values, draft=dict(draft or {}))


def questionnaire_counts(*, questionnaire: Questionnaire) -> dict[str, int]:
    """How many people may answer, have answered, have declined."""
    statuses = dict.fromkeys(RespondentStatus.values, 0)
    rows = (
        Respondent.objects.filter(questionnaire=questionnaire)
        .values_list("status")
        .annotate(count=Count("pk"))
        .order_by()
    )
    for status, count in rows:
        statuses[status] = count
    expected = (
        Registration.objects.filter(
            sessions=questionnaire.session_id, status=RegistrationStatus.CONFIRMED
        )
        .values("user")
        .distinct()
        .count()
    )
    return {"expected": expected, **statuses}
