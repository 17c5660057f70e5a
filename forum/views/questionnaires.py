"""The participant's questionnaire pages: the form, its draft endpoint (the script
static/js/questionnaire-draft.js posts to it as the person types), and the
confirmation of what was recorded.

Two doors lead to the same pages: the session page for a person signed in
(`/sessions/<slug>/questionnaire/`), and a personal signed link that needs no
sign-in (`/questionnaires/<token>/`, forum.questionnaire_tokens). A link forged,
too old, or whose questionnaire is closed gets a page saying so, with a 403.
The pages hold personal answers: never stored by a cache on the way.
"""

from __future__ import annotations

import functools
import logging
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from common.compiled_queries import CompiledQuery
from forum import questionnaire_link_page as link_page
from forum import selectors
from forum.errors import AnswersInvalid, QuestionnaireClosed
from forum.models import Questionnaire, QuestionnaireState, Session
from forum.permissions import (
    can_answer_questionnaire,
    can_see_session,
    may_answer_questionnaire,
)
from forum.questionnaire_display import (
    blank_form,
    event_time,
    form_items,
    posted_answers,
    recorded_items,
)
from forum.questionnaire_link_page import link_urls
from forum.questionnaire_tokens import LinkInvalid, verify_link_token
from forum.selectors.questionnaires import (
    PersonAnswers,
    answers_of,
    questionnaire_by_id,
    questionnaire_for_session,
    questions_of,
)
from forum.services.answers import AnswersSealed, questionnaire_draft_save, questionnaire_submit

logger = logging.getLogger(__name__)


class Answering(NamedTuple):
    """Who answers which questionnaire, and the addresses of the door they came by
    (with the personal link's token when it is that door)."""

    questionnaire: Questionnaire
    person: object
    form_url: str
    draft_url: str
    done_url: str
    token: str = ""


def _signed_in(request, slug: str) -> Answering:
    session = selectors.session_by_slug(slug=slug)
    if session is None or not can_see_session(request.user, session):
        raise Http404("no such session")
    questionnaire = questionnaire_for_session(session=session)
    if questionnaire is None or questionnaire.state == QuestionnaireState.DRAFT:
        raise Http404("no questionnaire for this session")
    if not can_answer_questionnaire(request.user, session):
        raise PermissionDenied(
            _("Seules les personnes inscrites à cette session répondent à son questionnaire.")
        )
    return Answering(
        questionnaire,
        request.user,
        reverse("forum:questionnaire_answer", args=[slug]),
        reverse("forum:questionnaire_draft", args=[slug]),
        reverse("forum:questionnaire_done", args=[slug]),
    )


class LinkRefused(Exception):
    def __init__(self, reason: str, questionnaire: Questionnaire | None = None):
        super().__init__(reason)
        self.reason = reason
        self.questionnaire = questionnaire


def _by_link(request, token: str) -> Answering:
    """The link's person and questionnaire; LinkRefused when it cannot be used now."""
    try:
        link = verify_link_token(token)
    except LinkInvalid as error:
        logger.warning(
            "refused questionnaire link (%s) from %s", error, request.META.get("REMOTE_ADDR", "?")
        )
        raise LinkRefused("expired" if error.expired else "invalid") from error
    questionnaire = questionnaire_by_id(pk=link.questionnaire_id)
    if questionnaire is None:
        raise LinkRefused("invalid")
    session = questionnaire.session
    found = _LINK_PERSON.objects(
        user_id=link.user_id, event_id=session.event_id, session_id=session.pk
    )
    if not found:
        raise LinkRefused("invalid")
    person = found[0]
    if not person.may_answer:
        raise LinkRefused("not_registered", questionnaire)
    if not questionnaire.accepts_answers():
        raise LinkRefused("not_open" if _not_open_yet(questionnaire) else "expired", questionnaire)
    return Answering(questionnaire, person, *link_urls(token), token=token)


# The person of a link and whether they may answer, read at each page of the link:
# made once per process (common/compiled_queries.py).
_LINK_PERSON = CompiledQuery(
    lambda shape, *, user_id, event_id, session_id: (
        get_user_model()
        .objects.filter(pk=user_id, is_active=True)
        .annotate(may_answer=may_answer_questionnaire(Session(pk=session_id, event_id=event_id)))
    )
)


def _not_open_yet(questionnaire: Questionnaire) -> bool:
    if questionnaire.state == QuestionnaireState.DRAFT:
        return True
    opens_at = questionnaire.opens_at
    return questionnaire.state == QuestionnaireState.OPEN and bool(
        opens_at and timezone.now() < opens_at
    )


def _refused(request, refusal: LinkRefused):
    context = {"reason": refusal.reason, "questionnaire": refusal.questionnaire}
    return render(request, "forum/questionnaires/link_refused.html", context, status=403)


def _render(request, template: str, context: dict):
    with event_time(context["session"]):
        return render(request, f"forum/questionnaires/{template}", context)


def _page_context(answering: Answering, questions, **extra) -> dict:
    questionnaire = answering.questionnaire
    return {
        "questionnaire": questionnaire,
        "session": questionnaire.session,
        "event": questionnaire.session.event,
        "questions": questions,
        "answering": answering,
        "storage_key": f"intercoop-questionnaire-{questionnaire.pk}-{answering.person.pk}",
        **extra,
    }


def _form_page(request, answering: Answering, mine=None):
    """The form (GET), or the answers sent (POST). A POST is checked and recorded first:
    the person's answers so far are read only to show the form again (`mine`: as a GET's
    caller has just read them)."""
    questionnaire, person = answering.questionnaire, answering.person
    open_now = questionnaire.accepts_answers()
    questions, values, problems, invalid = None, None, None, ""
    if request.method == "POST" and open_now:
        questions = questions_of(questionnaire=questionnaire)
        answers = posted_answers(questions, request.POST)
        try:
            # The doors above have just read the questionnaire and checked the person.
            questionnaire_submit(
                questionnaire=questionnaire,
                person=person,
                answers=answers,
                questions=questions,
                checked=True,
            )
        except AnswersInvalid as error:
            values = {str(pk): value for pk, value in answers.items()}
            problems = error.by_question()
            invalid = str(error)
        except AnswersSealed:
            pass  # shown below, as to a GET
        else:
            return redirect(answering.done_url)
    if mine is None or request.method == "POST":
        mine = answers_of(questionnaire=questionnaire, person=person)
    if mine.sealed or not open_now:
        questions = questions or questions_of(questionnaire=questionnaire)
        context = _page_context(answering, questions, mine=mine)
        context["recorded"] = recorded_items(questions, mine.values)
        context["not_open_yet"] = _not_open_yet(questionnaire)
        return _render(request, "not_answerable.html", context)
    if values is None:
        values = mine.shown
    if not (values or problems or invalid):
        return _blank_page(request, answering, mine, questions)
    context = _page_context(answering, questions, mine=mine)
    if invalid:
        context["invalid"] = invalid
    questions = questions or questions_of(questionnaire=questionnaire)
    context["items"] = form_items(questions, values, problems)
    return _render(request, "answer.html", context)


def _blank_page(request, answering: Answering, mine, questions=None):
    """The form with nothing typed in it: the same fields for everyone reading in this
    language."""
    questionnaire = answering.questionnaire
    context = _page_context(answering, questions, mine=mine)
    context["blank_form"] = blank_form(
        questionnaire, lambda: questions or questions_of(questionnaire=questionnaire)
    )
    return _render(request, "answer.html", context)


def _link_form_page(request, answering: Answering):
    """The form by a personal link: to a visitor not signed in who has typed nothing
    yet, the page shared by all of them (forum/questionnaire_link_page.py)."""
    questionnaire = answering.questionnaire
    if request.method != "GET" or not link_page.shareable(request):
        return _form_page(request, answering)
    mine = answers_of(questionnaire=questionnaire, person=answering.person)
    if mine.sealed or mine.submitted or mine.shown or not questionnaire.accepts_answers():
        return _form_page(request, answering, mine)

    def render(shadow, person, urls):
        return _blank_page(shadow, Answering(questionnaire, person, *urls), PersonAnswers())

    return link_page.served(request, answering.token, answering.person.pk, questionnaire, render)


def _draft(request, answering: Answering) -> JsonResponse:
    questionnaire = answering.questionnaire
    questions = questions_of(questionnaire=questionnaire)
    try:
        questionnaire_draft_save(
            questionnaire=questionnaire,
            person=answering.person,
            answers=posted_answers(questions, request.POST),
            questions=questions,
        )
    except (QuestionnaireClosed, AnswersSealed) as error:
        return JsonResponse({"saved": False, "code": error.code}, status=409)
    return JsonResponse({"saved": True})


def _done_page(request, answering: Answering):
    questionnaire = answering.questionnaire
    mine = answers_of(questionnaire=questionnaire, person=answering.person)
    if not mine.submitted:
        return redirect(answering.form_url)
    questions = questions_of(questionnaire=questionnaire)
    context = _page_context(
        answering, questions, mine=mine, recorded=recorded_items(questions, mine.values)
    )
    return _render(request, "done.html", context)


# Signed in, from the session page.


@never_cache
@login_required
def answer(request, slug: str):
    return _form_page(request, _signed_in(request, slug))


@never_cache
@login_required
@require_POST
def draft(request, slug: str):
    return _draft(request, _signed_in(request, slug))


@never_cache
@login_required
def done(request, slug: str):
    return _done_page(request, _signed_in(request, slug))


# By the personal link, without signing in.


def _through_link(page):
    """A page of the personal link: the link checked first, refused with a 403 page."""

    @never_cache
    @functools.wraps(page)
    def view(request, token: str):
        try:
            answering = _by_link(request, token)
        except LinkRefused as refusal:
            return _refused(request, refusal)
        return page(request, answering)

    return view


answer_by_link = _through_link(_link_form_page)
done_by_link = _through_link(_done_page)


@never_cache
@require_POST
def draft_by_link(request, token: str):
    try:
        answering = _by_link(request, token)
    except LinkRefused as refusal:
        return JsonResponse({"saved": False, "code": refusal.reason}, status=403)
    return _draft(request, answering)
