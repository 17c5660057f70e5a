"""The questionnaire's read API (docs/api.md, "Questionnaires"): for the session's
facilitators and the event's organisers only, recognised by the site's session cookie.

Like the rest of the API: read only, JSON errors, and a session the reader may not see
answers 404 as one that does not exist; a session they may see but whose questionnaire
they do not build answers 403 (NotAllowed, made JSON by forum.middleware). Answers
of an anonymous questionnaire carry no person; a named one's carry the display name,
never an address.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _

from forum import selectors
from forum.errors import NotAllowed
from forum.models import Questionnaire
from forum.permissions import can_build_questionnaire, can_see_session
from forum.selectors.questionnaires import questionnaire_for_session, questions_of
from forum.selectors.responses import responses_read
from forum.selectors.synthesis import synthesis_of
from forum.serializers import author_name
from forum.views.api import _error, _json, read_only


class _Missing(Exception):
    pass


def _questionnaire(request, slug: str) -> Questionnaire:
    session = selectors.session_by_slug(slug=slug)
    if session is None or not can_see_session(request.user, session):
        raise _Missing(_("Session introuvable."))
    questionnaire = questionnaire_for_session(session=session)
    if questionnaire is None:
        raise _Missing(_("Cette session n'a pas de questionnaire."))
    if not can_build_questionnaire(request.user, session):
        raise NotAllowed(
            _("Seules l'animation et l'organisation lisent le questionnaire par l'API."),
            code="cannot_read_questionnaire",
        )
    return questionnaire


def _endpoint(build):
    @read_only
    def view(request, slug: str):
        try:
            questionnaire = _questionnaire(request, slug)
        except _Missing as missing:
            return _error(str(missing), 404)
        return _json(build(questionnaire))

    view.__name__ = build.__name__
    view.__doc__ = build.__doc__
    return view


def _question_json(question) -> dict:
    return {
        "id": question.pk,
        "order": question.order,
        "kind": question.kind,
        "text_fr": question.text_fr,
        "text_en": question.text_en,
        "help_fr": question.help_fr,
        "help_en": question.help_en,
        "required": question.required,
        "choices": [
            {"id": choice.pk, "label_fr": choice.label_fr, "label_en": choice.label_en}
            for choice in question.choices.all()
        ],
        "scale": (
            {
                "low_fr": question.scale_low_fr,
                "low_en": question.scale_low_en,
                "high_fr": question.scale_high_fr,
                "high_en": question.scale_high_en,
            }
            if question.kind == "scale"
            else None
        ),
    }


def questionnaire_json(questionnaire: Questionnaire) -> dict:
    return {
        "session": questionnaire.session.slug,
        "title_fr": questionnaire.title_fr,
        "title_en": questionnaire.title_en,
        "state": questionnaire.state,
        "anonymity": questionnaire.anonymity,
        "closes_at": timezone.localtime(
            questionnaire.closing_time, ZoneInfo(questionnaire.session.event.timezone)
        ).isoformat(timespec="seconds"),
        "questions": [_question_json(q) for q in questions_of(questionnaire=questionnaire)],
    }


def results_json(questionnaire: Questionnaire) -> dict:
    synthesis = synthesis_of(questionnaire=questionnaire)
    return {
        "expected": synthesis.expected,
        "answered": synthesis.answered,
        "declined": synthesis.declined,
        "responses": synthesis.responses,
        "rate": synthesis.rate,
        "networks": [
            {
                "name": network.name,
                "expected": network.expected,
                "answered": network.answered,
                "rate": network.rate,
            }
            for network in synthesis.networks
        ],
        "questions": [
            {
                "id": figures.question.pk,
                "kind": figures.question.kind,
                "answered": figures.answered,
                "counts": [{"label": bar.label, "count": bar.count} for bar in figures.bars],
                "mean": figures.mean,
                "median": figures.median,
            }
            for figures in synthesis.figures
        ],
    }


def answers_json(questionnaire: Questionnaire) -> list:
    questions, rows = responses_read(questionnaire=questionnaire)
    return [
        {
            **({} if questionnaire.is_anonymous else {"person": author_name(row.person)}),
            "answers": {str(q.pk): row.values[q.pk] for q in questions if q.pk in row.values},
        }
        for row in rows
    ]


questionnaire = _endpoint(questionnaire_json)
results = _endpoint(results_json)
answers = _endpoint(answers_json)
