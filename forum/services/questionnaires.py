"""Building a session's questionnaire: its settings, its questions, opening and closing.

The session's facilitators and the event's organisers build it (NotAllowed for anyone
else), on the site. Answering it is `forum.services.answers`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from forum import questionnaire_cache
from forum.errors import NotAllowed, UserError
from forum.models import (
    Anonymity,
    Choice,
    Question,
    QuestionKind,
    Questionnaire,
    QuestionnaireState,
    Session,
)
from forum.models.questionnaire import CHOICE_KINDS, _new_seal
from forum.permissions import can_build_questionnaire
from forum.reminder_schedule import DEFAULT_SCHEDULE, schedule_format, schedule_parse

DEFAULT_TITLE = ("Questionnaire préalable", "Questionnaire ahead of the session")
MAX_QUESTIONS = 60
MIN_CHOICES, MAX_CHOICES = 2, 20


def _refuse_unless_builder(actor, session: Session) -> None:
    if not can_build_questionnaire(actor, session):
        raise NotAllowed(
            _("Seules l'animation et l'organisation peuvent préparer le questionnaire."),
            code="cannot_build_questionnaire",
        )


def _locked(questionnaire: Questionnaire, actor) -> Questionnaire:
    """The questionnaire's row, locked (builders' writes are one at a time), after
    checking that the actor may build it."""
    questionnaire = (
        # Only its row: the session and event rows joined for reading stay unlocked.
        Questionnaire.objects.select_for_update(of=("self",))
        .select_related("session__event")
        .get(pk=questionnaire.pk)
    )
    _refuse_unless_builder(actor, questionnaire.session)
    return questionnaire


@transaction.atomic
def questionnaire_create(*, session: Session, actor) -> Questionnaire:
    """The session's questionnaire, created empty, as a draft, when it has none."""
    _refuse_unless_builder(actor, session)
    Session.objects.select_for_update().filter(pk=session.pk).first()
    existing = Questionnaire.objects.filter(session=session).first()
    if existing is not None:
        return existing
    return Questionnaire.objects.create(
        session=session, title_fr=DEFAULT_TITLE[0], title_en=DEFAULT_TITLE[1]
    )


@dataclass(frozen=True)
class QuestionnaireSettings:
    title_fr: str
    title_en: str = ""
    intro_fr: str = ""
    intro_en: str = ""
    anonymity: str = Anonymity.ANONYMOUS
    opens_at: datetime.datetime | None = None
    closes_at: datetime.datetime | None = None
    reminder_days: str = DEFAULT_SCHEDULE


@transaction.atomic
def questionnaire_settings_save(
    *, questionnaire: Questionnaire, actor, settings: QuestionnaireSettings
) -> Questionnaire:
    """Title, presentation, anonymity and dates. The anonymity cannot change once
    someone has answered (even a draft): `anonymity_locked`."""
    questionnaire = _locked(questionnaire, actor)
    title = settings.title_fr.strip()
    if not title:
        raise UserError(_("Donnez un titre au questionnaire."), code="title_required")
    if settings.anonymity not in Anonymity.values:
        raise UserError(_("Choisissez nominatif ou anonyme."), code="anonymity")
    if settings.anonymity != questionnaire.anonymity and questionnaire.anonymity_locked:
        raise UserError(
            _("Des réponses existent déjà : l'anonymat choisi ne peut plus changer."),
            code="anonymity_locked",
        )
    opens_at, closes_at = settings.opens_at, settings.closes_at
    if opens_at and closes_at and opens_at >= closes_at:
        raise UserError(_("La clôture doit venir après l'ouverture."), code="dates_order")
    questionnaire.title_fr = title
    questionnaire.title_en = settings.title_en.strip()
    questionnaire.intro_fr = settings.intro_fr.strip()
    questionnaire.intro_en = settings.intro_en.strip()
    questionnaire.anonymity = settings.anonymity
    questionnaire.opens_at, questionnaire.closes_at = opens_at, closes_at
    questionnaire.reminder_days = schedule_format(schedule_parse(settings.reminder_days))
    try:
        questionnaire.full_clean(exclude=["session"])
    except ValidationError as error:
        raise UserError(" ".join(error.messages), code="invalid") from error
    questionnaire.save()
    return questionnaire


@transaction.atomic
def questionnaire_open(*, questionnaire: Questionnaire, actor) -> Questionnaire:
    """Open to answers (also again after closing). Needs a question and a closing
    time still to come."""
    questionnaire = _locked(questionnaire, actor)
    if questionnaire.state == QuestionnaireState.OPEN:
        return questionnaire
    if not questionnaire.questions.exists():
        raise UserError(_("Ajoutez au moins une question avant d'ouvrir."), code="no_questions")
    if questionnaire.closing_time <= timezone.now():
        raise UserError(
            _("La date de clôture est passée : choisissez-en une à venir avant d'ouvrir."),
            code="closes_in_past",
        )
    if not questionnaire.seal:
        # Closing wiped it: answers sealed then stay out of reach (questionnaire_tokens).
        questionnaire.seal = _new_seal()
    questionnaire.state = QuestionnaireState.OPEN
    questionnaire.save(update_fields=["state", "seal", "updated_at"])
    return questionnaire


def _close(questionnaire: Questionnaire) -> None:
    questionnaire.state = QuestionnaireState.CLOSED
    if questionnaire.is_anonymous:
        questionnaire.seal = ""
    questionnaire.save(update_fields=["state", "seal", "updated_at"])


@transaction.atomic
def questionnaire_close(*, questionnaire: Questionnaire, actor) -> Questionnaire:
    """Close to answers. An anonymous questionnaire's seal is wiped: no one, not even
    the server, can find whose answers are whose any more."""
    questionnaire = _locked(questionnaire, actor)
    if questionnaire.state != QuestionnaireState.CLOSED:
        _close(questionnaire)
    return questionnaire


def questionnaires_close_due(*, now: datetime.datetime | None = None) -> int:
    """Close the open questionnaires whose closing time has passed (a periodic task):
    they take no answers from that time on already; this wipes their seal."""
    now = now or timezone.now()
    closed = 0
    for candidate in Questionnaire.objects.filter(state=QuestionnaireState.OPEN).select_related(
        "session__event"
    ):
        if candidate.closing_time > now:
            continue
        with transaction.atomic():
            questionnaire = (
                Questionnaire.objects.select_for_update(of=("self",))
                .select_related("session__event")
                .get(pk=candidate.pk)
            )
            if questionnaire.state == QuestionnaireState.OPEN:
                _close(questionnaire)
                closed += 1
    return closed


@dataclass(frozen=True)
class QuestionFields:
    """A question as the builder's form gives it. `choices`: (French, English) labels."""

    kind: str
    text_fr: str
    text_en: str = ""
    help_fr: str = ""
    help_en: str = ""
    required: bool = True
    choices: list[tuple[str, str]] = field(default_factory=list)
    scale_low_fr: str = ""
    scale_low_en: str = ""
    scale_high_fr: str = ""
    scale_high_en: str = ""

    TEXTS = (
        "text_fr",
        "text_en",
        "help_fr",
        "help_en",
        "scale_low_fr",
        "scale_low_en",
        "scale_high_fr",
        "scale_high_en",
    )


def _checked(fields: QuestionFields) -> tuple[dict, list[tuple[str, str]]]:
    if fields.kind not in QuestionKind.values:
        raise UserError(_("Choisissez une nature de question."), code="kind")
    values = {name: " ".join(getattr(fields, name).split()) for name in QuestionFields.TEXTS}
    if not values["text_fr"]:
        raise UserError(_("Écrivez la question en français."), code="text_required")
    for name, value in values.items():
        limit = Question._meta.get_field(name).max_length
        if len(value) > limit:
            raise UserError(
                _("« %(field)s » dépasse %(limit)d caractères.")
                % {"field": Question._meta.get_field(name).verbose_name, "limit": limit},
                code="too_long",
            )
    if fields.kind != QuestionKind.SCALE:
        for name in ("scale_low_fr", "scale_low_en", "scale_high_fr", "scale_high_en"):
            values[name] = ""
    choices = []
    if fields.kind in CHOICE_KINDS:
        choices = [(" ".join(fr.split()), " ".join(en.split())) for fr, en in fields.choices]
        choices = [(fr, en) for fr, en in choices if fr or en]
        if any(not fr for fr, _en in choices):
            raise UserError(_("Chaque option a un libellé en français."), code="choice_label")
        if not MIN_CHOICES <= len(choices) <= MAX_CHOICES:
            raise UserError(
                _("Une question à choix propose de %(min)d à %(max)d options.")
                % {"min": MIN_CHOICES, "max": MAX_CHOICES},
                code="choices_count",
            )
        if len({fr for fr, _en in choices}) != len(choices):
            raise UserError(_("Deux options ont le même libellé."), code="choices_duplicate")
        if any(len(fr) > 200 or len(en) > 200 for fr, en in choices):
            raise UserError(_("Un libellé d'option dépasse 200 caractères."), code="too_long")
    return {**values, "kind": fields.kind, "required": bool(fields.required)}, choices


def _choices_sync(question: Question, labels: list[tuple[str, str]]) -> None:
    """Make the question's options these labels, in this order, keeping the options
    already answered where they stay: a label found again keeps its option (moved),
    the others take the remaining options in order (a label corrected), the rest is
    new; options left over are deleted with their answers."""
    existing = list(question.choices.order_by("order", "pk"))
    by_label = {choice.label_fr: choice for choice in existing}
    kept: list[Choice | None] = [by_label.pop(fr, None) for fr, _en in labels]
    spare = [choice for choice in existing if choice.label_fr in by_label]
    for index, choice in enumerate(kept):
        if choice is None and spare:
            kept[index] = spare.pop(0)
    Choice.objects.filter(pk__in=[choice.pk for choice in spare]).delete()
    for order, ((fr, en), choice) in enumerate(zip(labels, kept, strict=True), start=1):
        if choice is None:
            Choice.objects.create(question=question, order=order, label_fr=fr, label_en=en)
        elif (choice.order, choice.label_fr, choice.label_en) != (order, fr, en):
            choice.order, choice.label_fr, choice.label_en = order, fr, en
            choice.save(update_fields=["order", "label_fr", "label_en"])


def _refuse_when_closed(questionnaire: Questionnaire) -> None:
    if questionnaire.state == QuestionnaireState.CLOSED:
        raise UserError(
            _("Le questionnaire est fermé : rouvrez-le pour changer ses questions."),
            code="questionnaire_closed",
        )


@transaction.atomic
def question_add(*, questionnaire: Questionnaire, actor, fields: QuestionFields) -> Question:
    """A new question, last of the questionnaire."""
    questionnaire = _locked(questionnaire, actor)
    _refuse_when_closed(questionnaire)
    values, choices = _checked(fields)
    count = questionnaire.questions.count()
    if count >= MAX_QUESTIONS:
        raise UserError(
            _("Un questionnaire compte %(max)d questions au plus.") % {"max": MAX_QUESTIONS},
            code="too_many_questions",
        )
    last = questionnaire.questions.aggregate(last=Max("order"))["last"] or 0
    question = Question.objects.create(questionnaire=questionnaire, order=last + 1, **values)
    _choices_sync(question, choices)
    return question


@transaction.atomic
def question_edit(*, question: Question, actor, fields: QuestionFields) -> Question:
    """Change a question; its nature only while nobody has answered it."""
    questionnaire = _locked(question.questionnaire, actor)
    _refuse_when_closed(questionnaire)
    question = Question.objects.select_for_update().get(pk=question.pk)
    values, choices = _checked(fields)
    if values["kind"] != question.kind and question.answers.exists():
        raise UserError(
            _("Des réponses existent : la nature de cette question ne peut plus changer."),
            code="kind_locked",
        )
    for name, value in values.items():
        setattr(question, name, value)
    question.save()
    _choices_sync(question, choices)
    return question


def _renumber(questions: list[Question]) -> None:
    changed = []
    for order, question in enumerate(questions, start=1):
        if question.order != order:
            question.order = order
            changed.append(question)
    Question.objects.bulk_update(changed, ["order"])
    if changed:
        # Written in bulk, without the signals that replace the cached questions.
        questionnaire_cache.changed(changed[0].questionnaire_id)


@transaction.atomic
def question_delete(*, question: Question, actor) -> None:
    """Delete a question with its answers; the others keep their order."""
    questionnaire = _locked(question.questionnaire, actor)
    _refuse_when_closed(questionnaire)
    Question.objects.filter(pk=question.pk).delete()
    _renumber(list(questionnaire.questions.order_by("order", "pk")))


@transaction.atomic
def question_move(*, question: Question, actor, direction: str) -> None:
    """Move a question one place up or down (`direction`: "up" or "down")."""
    if direction not in ("up", "down"):
        raise UserError(_("Vers le haut ou vers le bas ?"), code="direction")
    questionnaire = _locked(question.questionnaire, actor)
    _refuse_when_closed(questionnaire)
    questions = list(questionnaire.questions.order_by("order", "pk"))
    index = next((i for i, item in enumerate(questions) if item.pk == question.pk), None)
    if index is None:
        return
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(questions):
        questions[index], questions[other] = questions[other], questions[index]
    _renumber(questions)
