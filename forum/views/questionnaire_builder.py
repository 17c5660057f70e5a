"""The questionnaire builder, on the site: for the session's facilitators and the
event's organisers (403 for anyone else). Every action is a plain form post, so the
builder works without JavaScript; static/js/questionnaire-builder.js only hides
the fields of the other kinds of question."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from forum import selectors
from forum.board_forms import PK_MAX
from forum.errors import UserError
from forum.models import Question, QuestionKind, Questionnaire, Session
from forum.permissions import can_build_questionnaire, can_see_session
from forum.questionnaire_display import event_time, form_items
from forum.questionnaire_forms import QuestionForm, QuestionnaireSettingsForm
from forum.selectors.questionnaires import (
    questionnaire_counts,
    questionnaire_for_session,
    questions_of,
)
from forum.services import questionnaires as building
from forum.services.questionnaire_sending import questionnaire_send


def _session(request, slug: str) -> Session:
    session = selectors.session_by_slug(slug=slug)
    if session is None or not can_see_session(request.user, session):
        raise Http404("no such session")
    if not can_build_questionnaire(request.user, session):
        raise PermissionDenied(
            _("Seules l'animation et l'organisation peuvent préparer le questionnaire.")
        )
    return session


def _questionnaire(request, slug: str) -> Questionnaire:
    questionnaire = questionnaire_for_session(session=_session(request, slug))
    if questionnaire is None:
        raise Http404("no questionnaire yet")
    return questionnaire


def _question(questionnaire: Questionnaire, pk: int) -> Question:
    question = questionnaire.questions.filter(pk=pk).first() if 0 < pk <= PK_MAX else None
    if question is None:
        raise Http404("no such question")
    return question


def _home(questionnaire: Questionnaire, anchor: str = "") -> str:
    url = reverse("forum:questionnaire_build", args=[questionnaire.session.slug])
    return f"{url}#{anchor}" if anchor else url


def _build_page(request, questionnaire: Questionnaire, settings_form=None):
    with event_time(questionnaire.session):
        context = {
            "questionnaire": questionnaire,
            "session": questionnaire.session,
            "event": questionnaire.session.event,
            "questions": questions_of(questionnaire=questionnaire),
            "counts": questionnaire_counts(questionnaire=questionnaire),
            "settings_form": settings_form
            or QuestionnaireSettingsForm(questionnaire=questionnaire),
            "kinds": QuestionKind.choices,
            "accepting": questionnaire.accepts_answers(),
        }
        return render(request, "forum/questionnaires/build.html", context)


@login_required
def build(request, slug: str):
    session = _session(request, slug)
    questionnaire = questionnaire_for_session(session=session)
    if request.method == "POST" and questionnaire is None:
        questionnaire = building.questionnaire_create(session=session, actor=request.user)
        return redirect(_home(questionnaire))
    if questionnaire is None:
        context = {"session": session, "event": session.event}
        return render(request, "forum/questionnaires/build_start.html", context)
    return _build_page(request, questionnaire)


@login_required
@require_POST
def build_settings(request, slug: str):
    questionnaire = _questionnaire(request, slug)
    with event_time(questionnaire.session):
        form = QuestionnaireSettingsForm(request.POST, questionnaire=questionnaire)
        if form.is_valid():
            try:
                building.questionnaire_settings_save(
                    questionnaire=questionnaire, actor=request.user, settings=form.settings()
                )
            except UserError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Réglages du questionnaire enregistrés."))
                return redirect(_home(questionnaire, "settings"))
    return _build_page(request, questionnaire, form)


@login_required
@require_POST
def build_send(request, slug: str):
    questionnaire = _questionnaire(request, slug)
    try:
        questionnaire_send(questionnaire=questionnaire, actor=request.user)
    except UserError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Le questionnaire part par courriel à chaque personne inscrite à la session."),
        )
    return redirect(_home(questionnaire))


@login_required
@require_POST
def build_state(request, slug: str, action: str):
    questionnaire = _questionnaire(request, slug)
    change = {"open": building.questionnaire_open, "close": building.questionnaire_close}
    try:
        change[action](questionnaire=questionnaire, actor=request.user)
    except UserError as error:
        messages.error(request, str(error))
    else:
        if action == "open":
            messages.success(request, _("Le questionnaire est ouvert aux réponses."))
        else:
            messages.success(request, _("Le questionnaire est fermé."))
    return redirect(_home(questionnaire))


def _question_page(request, questionnaire: Questionnaire, form, question=None):
    context = {
        "questionnaire": questionnaire,
        "session": questionnaire.session,
        "event": questionnaire.session.event,
        "form": form,
        "question": question,
    }
    return render(request, "forum/questionnaires/question_form.html", context)


def _save_question(request, questionnaire: Questionnaire, form, question=None):
    """The question written by the service, or the form again with its refusal."""
    if form.is_valid():
        try:
            if question is None:
                question = building.question_add(
                    questionnaire=questionnaire, actor=request.user, fields=form.fields_for()
                )
            else:
                question = building.question_edit(
                    question=question, actor=request.user, fields=form.fields_for()
                )
        except UserError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Question enregistrée."))
            return redirect(_home(questionnaire, f"question-{question.pk}"))
    return _question_page(request, questionnaire, form, question)


@login_required
def question_new(request, slug: str):
    questionnaire = _questionnaire(request, slug)
    if request.method == "POST":
        return _save_question(request, questionnaire, QuestionForm(request.POST))
    kind = request.GET.get("kind")
    initial = {"kind": kind if kind in QuestionKind.values else QuestionKind.SINGLE}
    return _question_page(
        request, questionnaire, QuestionForm(initial={**initial, "required": True})
    )


@login_required
def question_edit(request, slug: str, pk: int):
    questionnaire = _questionnaire(request, slug)
    question = _question(questionnaire, pk)
    form = QuestionForm.for_question(question, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        return _save_question(request, questionnaire, form, question)
    return _question_page(request, questionnaire, form, question)


@login_required
def question_delete(request, slug: str, pk: int):
    questionnaire = _questionnaire(request, slug)
    question = _question(questionnaire, pk)
    if request.method == "POST":
        try:
            building.question_delete(question=question, actor=request.user)
        except UserError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Question supprimée."))
        return redirect(_home(questionnaire))
    context = {
        "questionnaire": questionnaire,
        "session": questionnaire.session,
        "event": questionnaire.session.event,
        "question": question,
        "answer_count": question.answers.values("response").distinct().count(),
    }
    return render(request, "forum/questionnaires/question_delete.html", context)


@login_required
@require_POST
def question_move(request, slug: str, pk: int):
    questionnaire = _questionnaire(request, slug)
    question = _question(questionnaire, pk)
    try:
        building.question_move(
            question=question, actor=request.user, direction=request.POST.get("direction", "")
        )
    except UserError as error:
        messages.error(request, str(error))
    return redirect(_home(questionnaire, f"question-{question.pk}"))


@login_required
def preview(request, slug: str):
    questionnaire = _questionnaire(request, slug)
    questions = questions_of(questionnaire=questionnaire)
    context = {
        "questionnaire": questionnaire,
        "session": questionnaire.session,
        "event": questionnaire.session.event,
        "items": form_items(questions, {}),
        "preview": True,
    }
    return render(request, "forum/questionnaires/answer.html", context)
