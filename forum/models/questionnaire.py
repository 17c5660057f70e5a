"""A session's questionnaire: its questions, who has answered, and the answers.

Anonymity is a matter of storage, not of display. For an anonymous questionnaire,
who has answered (`Respondent`: a person and a status, for the reminders) and what
was answered (`Response` and its `Answer` rows) are two sets of rows that share no
column: a response has no person, no respondent id, no timestamp, and a random
UUID for a key (a sequence would number the responses in the order people
answered). A person finds their own response again, to edit it until the
questionnaire closes, by `Response.key`: an HMAC of (questionnaire, person) keyed
by the server's SECRET_KEY and the questionnaire's `seal`, a random value wiped
when the questionnaire closes. `forum/questionnaire_tokens.py` says exactly what
this guarantees and what it does not.

For a named questionnaire the response names the person (`Response.user`).
"""

from __future__ import annotations

import datetime
import secrets
import uuid
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from forum.models.event import Session


def _new_seal() -> str:
    return secrets.token_hex(32)


class Bilingual:
    """Text in French, with English where written: `local("text")` reads `text_en`
    for a reader in English when it is not blank, else `text_fr`. Templates read
    the `local_<name>` properties of each model."""

    def local(self, name: str) -> str:
        english = getattr(self, f"{name}_en", "")
        if english and (translation.get_language() or "fr").startswith("en"):
            return english
        return getattr(self, f"{name}_fr")


def _local(name: str) -> property:
    return property(lambda self: self.local(name))


class QuestionnaireState(models.TextChoices):
    DRAFT = "draft", _("brouillon")
    OPEN = "open", _("ouvert")
    CLOSED = "closed", _("fermé")


class Anonymity(models.TextChoices):
    NAMED = "named", _("nominatif : l'animation voit qui a répondu quoi")
    ANONYMOUS = "anonymous", _("anonyme : les réponses ne sont reliées à personne")


class Questionnaire(Bilingual, models.Model):
    """The questionnaire a session's participants answer ahead of it; one per session."""

    session = models.OneToOneField(
        Session,
        on_delete=models.CASCADE,
        related_name="questionnaire",
        verbose_name=_("session"),
    )
    title_fr = models.CharField(_("titre"), max_length=200)
    title_en = models.CharField(_("titre en anglais"), max_length=200, blank=True)
    intro_fr = models.TextField(_("introduction"), blank=True)
    intro_en = models.TextField(_("introduction en anglais"), blank=True)
    state = models.CharField(
        _("état"),
        max_length=8,
        choices=QuestionnaireState.choices,
        default=QuestionnaireState.DRAFT,
    )
    opens_at = models.DateTimeField(
        _("ouverture"), null=True, blank=True, help_text=_("Vide : dès qu'il est ouvert.")
    )
    closes_at = models.DateTimeField(
        _("clôture"), null=True, blank=True, help_text=_("Vide : au début de la session.")
    )
    anonymity = models.CharField(
        _("anonymat"), max_length=10, choices=Anonymity.choices, default=Anonymity.ANONYMOUS
    )
    # Set with the first response (a draft too): from then on the anonymity is kept.
    anonymity_locked = models.BooleanField(_("anonymat verrouillé"), default=False)
    # Half of the key of the anonymous responses' `key`; wiped at closing (see above).
    seal = models.CharField(max_length=64, default=_new_seal, blank=True, editable=False)
    # The synthesis (forum/selectors/synthesis.py) is the facilitators' until they share it.
    synthesis_shared = models.BooleanField(_("synthèse ouverte aux participant·es"), default=False)
    # The chart shown on the session's live page for everyone following, if any.
    projected_question = models.ForeignKey(
        "Question",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("question projetée"),
    )
    # Or the published testimony shown there instead (never both).
    projected_testimony = models.ForeignKey(
        "Testimony",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("témoignage projeté"),
    )
    # When "Send to participants" was pressed: from then on, people registering for
    # the session while it is open are sent it too, and reminders follow the schedule.
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    # Days before closing, e.g. "7, 2" (forum/reminder_schedule.py); empty: no reminder.
    reminder_days = models.CharField(
        _("relances (jours avant la clôture)"), max_length=40, blank=True, default="7, 2"
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")

    local_title = _local("title")
    local_intro = _local("intro")

    def __str__(self) -> str:
        return self.title_fr

    @property
    def is_anonymous(self) -> bool:
        return self.anonymity == Anonymity.ANONYMOUS

    @property
    def closing_time(self) -> datetime.datetime:
        """`closes_at`, or the start of the session (midnight when it has no hour),
        in the event's time zone."""
        if self.closes_at is not None:
            return self.closes_at
        session = self.session
        zone = ZoneInfo(session.event.timezone)
        start = session.starts_at or datetime.time(0, 0)
        return datetime.datetime.combine(session.date, start, tzinfo=zone)

    def accepts_answers(self, now: datetime.datetime | None = None) -> bool:
        """Open, past its opening time and before its closing time."""
        now = now or timezone.now()
        if self.state != QuestionnaireState.OPEN:
            return False
        if self.opens_at is not None and now < self.opens_at:
            return False
        return now < self.closing_time


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("choix unique")
    MULTIPLE = "multiple", _("choix multiple")
    SCALE = "scale", _("échelle de 1 à 5")
    SHORT_TEXT = "short_text", _("texte court")
    LONG_TEXT = "long_text", _("texte long")
    YES_NO = "yes_no", _("oui / non")


CHOICE_KINDS = frozenset({QuestionKind.SINGLE, QuestionKind.MULTIPLE})
TEXT_KINDS = frozenset({QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT})
# The longest answer each free-text kind takes, shown beside the field.
TEXT_LIMITS = {QuestionKind.SHORT_TEXT: 300, QuestionKind.LONG_TEXT: 5000}
SCALE_MIN, SCALE_MAX = 1, 5


class Question(Bilingual, models.Model):
    questionnaire = models.ForeignKey(
        Questionnaire,
        on_delete=models.CASCADE,
        related_name="questions",
        verbose_name=_("questionnaire"),
    )
    order = models.PositiveSmallIntegerField(_("ordre"))
    kind = models.CharField(_("nature"), max_length=12, choices=QuestionKind.choices)
    text_fr = models.CharField(_("question"), max_length=500)
    text_en = models.CharField(_("question en anglais"), max_length=500, blank=True)
    help_fr = models.CharField(_("aide"), max_length=1000, blank=True)
    help_en = models.CharField(_("aide en anglais"), max_length=1000, blank=True)
    required = models.BooleanField(_("réponse obligatoire"), default=True)
    scale_low_fr = models.CharField(_("libellé du 1"), max_length=100, blank=True)
    scale_low_en = models.CharField(_("libellé du 1 en anglais"), max_length=100, blank=True)
    scale_high_fr = models.CharField(_("libellé du 5"), max_length=100, blank=True)
    scale_high_en = models.CharField(_("libellé du 5 en anglais"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["questionnaire", "order", "pk"]

    local_text = _local("text")
    local_help = _local("help")
    local_scale_low = _local("scale_low")
    local_scale_high = _local("scale_high")

    def __str__(self) -> str:
        return self.text_fr

    @property
    def has_choices(self) -> bool:
        return self.kind in CHOICE_KINDS

    @property
    def text_limit(self) -> int | None:
        return TEXT_LIMITS.get(self.kind)


class Choice(Bilingual, models.Model):
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="choices", verbose_name=_("question")
    )
    order = models.PositiveSmallIntegerField(_("ordre"))
    label_fr = models.CharField(_("libellé"), max_length=200)
    label_en = models.CharField(_("libellé en anglais"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("option")
        verbose_name_plural = _("options")
        ordering = ["question", "order", "pk"]

    local_label = _local("label")

    def __str__(self) -> str:
        return self.label_fr


class RespondentStatus(models.TextChoices):
    ANSWERED = "answered", _("a répondu")
    DECLINED = "declined", _("ne répondra pas")


class Respondent(models.Model):
    """Who has answered (or declined): the reminders' list. Never joined to answers."""

    questionnaire = models.ForeignKey(
        Questionnaire,
        on_delete=models.CASCADE,
        related_name="respondents",
        verbose_name=_("questionnaire"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="questionnaire_statuses",
        verbose_name=_("personne"),
    )
    status = models.CharField(_("statut"), max_length=10, choices=RespondentStatus.choices)
    answered_at = models.DateTimeField(_("a répondu le"), null=True, blank=True)
    declined_at = models.DateTimeField(_("a décliné le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("répondant·e")
        verbose_name_plural = _("répondant·es")
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "user"], name="one_respondent_per_questionnaire"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_status_display()}"


class Response(models.Model):
    """One person's answers. Anonymous: found by `key` only; named: by `user`.

    No timestamp, on purpose: a time would join it to the respondent's.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    questionnaire = models.ForeignKey(
        Questionnaire,
        on_delete=models.CASCADE,
        related_name="responses",
        verbose_name=_("questionnaire"),
    )
    key = models.CharField(max_length=64, null=True, blank=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="questionnaire_responses",
        verbose_name=_("personne"),
    )
    submitted = models.BooleanField(_("envoyée"), default=False)
    # What the person typed and has not sent yet: {question id: value}, as the form has it.
    draft = models.JSONField(_("brouillon"), default=dict, blank=True)

    class Meta:
        verbose_name = _("réponse")
        verbose_name_plural = _("réponses")
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "key"], name="one_response_per_key"),
            models.UniqueConstraint(
                fields=["questionnaire", "user"], name="one_response_per_person"
            ),
            models.CheckConstraint(
                condition=models.Q(key__isnull=True, user__isnull=False)
                | models.Q(key__isnull=False, user__isnull=True),
                name="response_by_key_or_by_person",
            ),
        ]

    def __str__(self) -> str:
        return str(self.pk)


class Answer(models.Model):
    """The answer to one question; a multiple choice has one row per option chosen.

    `choice` for the choice kinds, `number` for a scale (1–5), `flag` for yes/no,
    `text` for the free-text kinds.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(
        Response, on_delete=models.CASCADE, related_name="answers", verbose_name=_("réponse")
    )
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="answers", verbose_name=_("question")
    )
    choice = models.ForeignKey(
        Choice,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="answers",
        verbose_name=_("option"),
    )
    number = models.PositiveSmallIntegerField(_("valeur"), null=True, blank=True)
    flag = models.BooleanField(_("oui / non"), null=True, blank=True)
    text = models.TextField(_("texte"), blank=True)

    class Meta:
        verbose_name = _("réponse à une question")
        verbose_name_plural = _("réponses aux questions")

    def __str__(self) -> str:
        return str(self.pk)
