"""The SQL of the synthesis's figures and free texts, made once per process.

The synthesis is read again every few seconds while a session runs (its page, its
live pushes), each time in a handful of small grouped queries: Django would make
their SQL anew each time, which costs more than PostgreSQL answering them. They are
`CompiledQuery`s (common/compiled_queries.py): built once per shape (the number of
questions asked about), then run with the ids. Rows come straight from the cursor:
a yes/no `flag` is 1/0 on SQLite, True/False on PostgreSQL (equal as dictionary keys).
"""

from __future__ import annotations

from django.db.models import Count, F, OuterRef, Q, Subquery, Window
from django.db.models.functions import Coalesce, RowNumber

from common.compiled_queries import CompiledQuery
from forum.models import (
    Answer,
    Questionnaire,
    Registration,
    RegistrationStatus,
    Respondent,
    RespondentStatus,
    Response,
)

# The free-text answers a page lists per question; the exports hold them all.
TEXTS_SHOWN = 100


def _ids(count: int, values: dict) -> list:
    return [values[f"q{index}"] for index in range(count)]


def _named(ids: list[int]) -> dict[str, int]:
    return {f"q{index}": pk for index, pk in enumerate(ids)}


_CHART_COUNTS = CompiledQuery(
    lambda count, **ids: (
        Answer.objects.filter(question_id__in=_ids(count, ids))
        .values_list("question_id", "choice_id", "number", "flag")
        .annotate(times=Count("pk"))
        .order_by()
    )
)

_MULTIPLE_RESPONSES = CompiledQuery(
    lambda count, **ids: (
        Answer.objects.filter(question_id__in=_ids(count, ids))
        .values_list("question_id")
        .annotate(responses=Count("response_id", distinct=True))
        .order_by()
    )
)


def chart_counts(question_ids: list[int]) -> list[tuple]:
    """(question id, choice id, number, flag, answers) for every value answered."""
    if not question_ids:
        return []
    return _CHART_COUNTS.rows(len(question_ids), **_named(question_ids))


def responses_per_question(question_ids: list[int]) -> list[tuple[int, int]]:
    """(question id, responses answering it): for a multiple choice, whose answers
    are one row per option chosen."""
    if not question_ids:
        return []
    return _MULTIPLE_RESPONSES.rows(len(question_ids), **_named(question_ids))


def _counts(_shape, *, questionnaire: int):
    mine = OuterRef("pk")
    respondents = Respondent.objects.filter(questionnaire=mine)
    return Questionnaire.objects.filter(pk=questionnaire).values_list(
        Coalesce(
            Subquery(
                Response.objects.filter(questionnaire=mine, submitted=True)
                .order_by()
                .values("questionnaire")
                .annotate(total=Count("pk"))
                .values("total")
            ),
            0,
        ),
        *(
            Coalesce(
                Subquery(
                    respondents.filter(status=status)
                    .order_by()
                    .values("status")
                    .annotate(total=Count("pk"))
                    .values("total")
                ),
                0,
            )
            for status in (RespondentStatus.ANSWERED, RespondentStatus.DECLINED)
        ),
        Coalesce(
            Subquery(
                Registration.objects.filter(
                    sessions=OuterRef("session_id"), status=RegistrationStatus.CONFIRMED
                )
                .order_by()
                .values("status")
                .annotate(total=Count("user", distinct=True))
                .values("total")
            ),
            0,
        ),
    )


_COUNTS = CompiledQuery(_counts)


def questionnaire_totals(questionnaire_id: int) -> tuple[int, int, int, int]:
    """(sent responses, people who answered, who declined, people registered for the
    session) in one statement; zeros for a questionnaire gone."""
    rows = _COUNTS.rows(questionnaire=questionnaire_id)
    return tuple(rows[0]) if rows else (0, 0, 0, 0)


_NETWORKS = CompiledQuery(
    lambda _shape, *, session, questionnaire: (
        Registration.objects.filter(sessions=session, status=RegistrationStatus.CONFIRMED)
        .values_list("network__name")
        .annotate(
            expected=Count("user", distinct=True),
            answered=Count(
                "user",
                filter=Q(
                    user__questionnaire_statuses__questionnaire=questionnaire,
                    user__questionnaire_statuses__status=RespondentStatus.ANSWERED,
                ),
                distinct=True,
            ),
        )
        .order_by("network__name")
    )
)


def network_rows(*, session_id: int, questionnaire_id: int) -> list[tuple]:
    """(network name or None, people registered, people who answered) per network."""
    return _NETWORKS.rows(session=session_id, questionnaire=questionnaire_id)


_SHOWN_TEXTS = CompiledQuery(
    lambda count, **ids: (
        Answer.objects.filter(question_id__in=_ids(count, ids))
        .exclude(text="")
        .annotate(
            rank=Window(RowNumber(), partition_by=[F("question_id")], order_by=F("pk").asc()),
            total=Window(Count("pk"), partition_by=[F("question_id")]),
        )
        .filter(rank__lte=TEXTS_SHOWN)
        .order_by("question_id", "pk")
        .values_list("question_id", "text", "total")
    )
)


def shown_texts(question_ids: list[int]) -> list[tuple[int, str, int]]:
    """(question id, text, the question's non-empty answers) for the first
    TEXTS_SHOWN answers of each question in the order of their ids."""
    if not question_ids:
        return []
    return _SHOWN_TEXTS.rows(len(question_ids), **_named(question_ids))
