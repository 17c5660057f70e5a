"""The facilitator's synthesis of a questionnaire: response rates, counts, means, medians.

Figures only: what is counted comes from the answers of sent responses (drafts never
count) and from who has answered (`Respondent`), never from a join of the two, so an
anonymous questionnaire's synthesis says nothing about who answered what. The rate
per network counts who has answered in each network, not what they answered.

The arithmetic is in plain functions (`rate`, `distribution_mean`,
`distribution_median`, `bars_of`); `synthesis_of` reads the database in a handful of
grouped queries whatever the number of answers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from forum.models import (
    Answer,
    Question,
    QuestionKind,
    Questionnaire,
)
from forum.models.questionnaire import SCALE_MAX, SCALE_MIN, TEXT_KINDS
from forum.selectors import synthesis_queries as queries
from forum.selectors.questionnaires import questions_of
from forum.selectors.synthesis_queries import TEXTS_SHOWN

CHART_KINDS = frozenset(
    {QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.YES_NO, QuestionKind.SCALE}
)


def rate(part: int, whole: int) -> float | None:
    """part / whole, or None when there is no whole (nobody expected)."""
    return part / whole if whole else None


def distribution_mean(counts: Mapping[int, int]) -> float | None:
    """The mean of values given as {value: how many times}; None without any."""
    total = sum(counts.values())
    if not total:
        return None
    return sum(value * times for value, times in counts.items()) / total


def distribution_median(counts: Mapping[int, int]) -> float | None:
    """The median of values given as {value: how many times}: the middle value, or
    the mean of the two middle ones for an even number; None without any."""
    total = sum(counts.values())
    if not total:
        return None
    middle = [(total - 1) // 2, total // 2]  # 0-based ranks of the middle value(s)
    found: list[int] = []
    seen = 0
    for value in sorted(counts):
        times = counts[value]
        for rank in middle:
            if seen <= rank < seen + times:
                found.append(value)
        seen += times
    return sum(found) / len(found)


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    share: float  # of the responses that answered the question, 0..1
    length: float  # of the longest bar, 0..100, for the chart

    @property
    def percent(self) -> int:
        return round(self.share * 100)


def bars_of(items: list[tuple[str, int]], answered: int) -> list[Bar]:
    """Bars for (label, count) pairs: each count's share of `answered` (the responses
    that answered the question; a multiple choice's shares may add up past the whole) and
    its length against the longest bar."""
    longest = max((count for _label, count in items), default=0)
    return [
        Bar(
            label=label,
            count=count,
            share=rate(count, answered) or 0.0,
            length=100 * count / longest if longest else 0.0,
        )
        for label, count in items
    ]


@dataclass
class QuestionFigures:
    question: Question
    answered: int  # responses with an answer to it
    bars: list[Bar] = field(default_factory=list)
    mean: float | None = None
    median: float | None = None

    @property
    def is_scale(self) -> bool:
        return self.question.kind == QuestionKind.SCALE


@dataclass(frozen=True)
class NetworkRate:
    name: str
    expected: int
    answered: int

    @property
    def rate(self) -> float | None:
        return rate(self.answered, self.expected)


@dataclass
class Synthesis:
    questionnaire: Questionnaire
    responses: int  # responses sent
    expected: int  # people registered for the session
    answered: int
    declined: int
    networks: list[NetworkRate]
    figures: list[QuestionFigures]
    text_questions: list[Question]

    @property
    def rate(self) -> float | None:
        return rate(self.answered, self.expected)


def _answer_counts(questions: list[Question]):
    """{question id: {"choice"/"number"/"flag" value: count}} and {question id:
    responses answering it}. Answer rows exist only for sent responses (a draft is
    the response's `draft`, and a submission writes its answers and `submitted` in
    one transaction), so they are counted by question alone: one index, no join.
    Only a multiple choice needs its responses counted apart."""
    charted = [question.pk for question in questions if question.kind in CHART_KINDS]
    values: dict[int, dict] = defaultdict(lambda: defaultdict(int))
    answered: dict[int, int] = defaultdict(int)
    for question_id, choice_id, number, flag, times in queries.chart_counts(charted):
        for key in (choice_id, number, flag):
            if key is not None:
                values[question_id][key] += times
                answered[question_id] += times
    multiple = [q.pk for q in questions if q.kind == QuestionKind.MULTIPLE]
    answered.update(queries.responses_per_question(multiple))
    return values, answered


def question_figures(question: Question, values: Mapping, answered: int) -> QuestionFigures:
    """The figures of one chart question from its counted values."""
    figures = QuestionFigures(question=question, answered=answered)
    if question.kind == QuestionKind.SCALE:
        counts = {point: values.get(point, 0) for point in range(SCALE_MIN, SCALE_MAX + 1)}
        labels = {SCALE_MIN: question.local_scale_low, SCALE_MAX: question.local_scale_high}
        items = [
            (f"{point} — {labels[point]}" if labels.get(point) else str(point), count)
            for point, count in counts.items()
        ]
        figures.mean = distribution_mean(counts)
        figures.median = distribution_median(counts)
    elif question.kind == QuestionKind.YES_NO:
        items = [(_("oui"), values.get(True, 0)), (_("non"), values.get(False, 0))]
    else:
        items = [
            (choice.local_label, values.get(choice.pk, 0)) for choice in question.choices.all()
        ]
    figures.bars = bars_of(items, answered)
    return figures


def network_rates(questionnaire: Questionnaire) -> list[NetworkRate]:
    """Per network of the registrations to the session: how many registered, how many
    have answered (people without a network together, last)."""
    rows = queries.network_rows(
        session_id=questionnaire.session_id, questionnaire_id=questionnaire.pk
    )
    rates = [NetworkRate(name or "", expected, done) for name, expected, done in rows]
    named = [item for item in rates if item.name]
    unnamed = [NetworkRate(_("Sans réseau"), i.expected, i.answered) for i in rates if not i.name]
    return named + unnamed


def synthesis_of(*, questionnaire: Questionnaire) -> Synthesis:
    questions = questions_of(questionnaire=questionnaire)
    values, answered = _answer_counts(questions)
    responses, people_answered, declined, expected = queries.questionnaire_totals(questionnaire.pk)
    return Synthesis(
        questionnaire=questionnaire,
        responses=responses,
        expected=expected,
        answered=people_answered,
        declined=declined,
        networks=network_rates(questionnaire),
        figures=[
            question_figures(question, values.get(question.pk, {}), answered.get(question.pk, 0))
            for question in questions
            if question.kind in CHART_KINDS
        ],
        text_questions=[question for question in questions if question.kind in TEXT_KINDS],
    )


def figures_for_question(
    *, questionnaire: Questionnaire, question_id: int
) -> QuestionFigures | None:
    """One chart question's figures (the live page's projection), or None."""
    question = next(
        (q for q in questions_of(questionnaire=questionnaire) if q.pk == question_id), None
    )
    if question is None or question.kind not in CHART_KINDS:
        return None
    values, answered = _answer_counts([question])
    return question_figures(question, values.get(question.pk, {}), answered.get(question.pk, 0))


@dataclass
class TextAnswers:
    question: Question
    texts: list[str]
    total: int


def texts_of(
    *, questionnaire: Questionnaire, question_id: int | None = None, contains: str = ""
) -> list[TextAnswers]:
    """The free-text answers of sent responses, per text question, at most TEXTS_SHOWN
    each: of one question when `question_id` is given, those containing `contains`
    when it is not blank (compared case-folded in Python: SQLite's LIKE folds ASCII
    only, and "RÉUNION" should find "réunion" on both databases). No person, whatever
    the anonymity; the order is that of the answers' random ids, not of their coming.

    Unfiltered, the database counts each question's answers and returns only the
    ones shown (a window over the question's answers): the page reads TEXTS_SHOWN
    texts a question, not all of them."""
    questions = [
        question
        for question in questions_of(questionnaire=questionnaire)
        if question.kind in TEXT_KINDS and (question_id is None or question.pk == question_id)
    ]
    wanted = contains.strip().casefold()
    texts: dict[int, list[str]] = defaultdict(list)
    totals: dict[int, int] = defaultdict(int)
    if wanted:
        rows = (
            Answer.objects.filter(question__in=questions)
            .exclude(text="")
            .order_by("pk")
            .values_list("question_id", "text")
        )
        for question_pk, text in rows:
            if wanted in text.casefold():
                texts[question_pk].append(text)
                totals[question_pk] += 1
    else:
        for question_pk, text, total in queries.shown_texts([q.pk for q in questions]):
            texts[question_pk].append(text)
            totals[question_pk] = total
    return [
        TextAnswers(
            question=question,
            texts=texts[question.pk][:TEXTS_SHOWN],
            total=totals[question.pk],
        )
        for question in questions
    ]
