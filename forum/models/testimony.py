"""A session's testimonies: one page each, signed or anonymous, published as threads.

The 2007 programme's first session asks each participant for "un court témoignage sur
une page" describing particular illustrations, to share with the group. A testimony
is written on the site or mailed to `<session-slug>+temoignage@`; once published it
is a thread of the session's « Témoignages » board (Board.kind TESTIMONIES), answered
like any thread.

- `TestimonyCall`: the session's settings (hold for review, reminder days); made
  when first needed.
- `TestimonyTheme`: the few themes the facilitators offer as tags.
- `TestimonyWriter`: one person's state for one session: the consent chosen before
  writing and kept (signed or anonymous), "I won't write one", reminders sent.
- `Testimony`: what was written, its themes, its review, and its thread.
- `TestimonyAuthorAccess`: each time an organiser looked at the author of an
  anonymous testimony (who, when).

An anonymous testimony's thread and post name the shared "Témoignage anonyme"
account (forum.services.testimonies.anonymous_author), so every surface that shows
an author (pages, feeds, API, live fragments, mail From names, digests) shows that
name; the person is named only here, in `Testimony.author`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

DEFAULT_THEMES = (
    "désimplication",
    "non-dits",
    "identité collective",
    "légitimité externe",
    "amateurs et professionnels",
)
DEFAULT_REMINDER_DAYS = [7, 2]


class Consent(models.TextChoices):
    SIGNED = "signed", _("signé")
    ANONYMOUS = "anonymous", _("anonyme")


class TestimonyStatus(models.TextChoices):
    PENDING = "pending", _("en attente de relecture")
    PUBLISHED = "published", _("publié")
    REFUSED = "refused", _("refusé")


def _default_reminder_days() -> list[int]:
    return list(DEFAULT_REMINDER_DAYS)


class TestimonyCall(models.Model):
    session = models.OneToOneField(
        "forum.Session",
        on_delete=models.CASCADE,
        related_name="testimony_call",
        verbose_name=_("session"),
    )
    hold_for_review = models.BooleanField(
        _("relire avant publication"),
        default=False,
        help_text=_("Les témoignages attendent qu'une personne de l'animation les publie."),
    )
    reminder_days = models.JSONField(
        _("relances (jours avant la session)"), default=_default_reminder_days, blank=True
    )

    class Meta:
        verbose_name = _("appel à témoignages")
        verbose_name_plural = _("appels à témoignages")

    def __str__(self) -> str:
        return str(self.session)


class TestimonyTheme(models.Model):
    session = models.ForeignKey(
        "forum.Session",
        on_delete=models.CASCADE,
        related_name="testimony_themes",
        verbose_name=_("session"),
    )
    name = models.CharField(_("thème"), max_length=80)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("thème de témoignage")
        verbose_name_plural = _("thèmes de témoignage")
        ordering = ["session", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "name"], name="testimony_theme_per_session")
        ]

    def __str__(self) -> str:
        return self.name


class TestimonyWriter(models.Model):
    session = models.ForeignKey(
        "forum.Session", on_delete=models.CASCADE, related_name="+", verbose_name=_("session")
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="testimony_writers",
        verbose_name=_("personne"),
    )
    consent = models.CharField(
        _("consentement"), max_length=10, choices=Consent.choices, blank=True
    )
    consent_at = models.DateTimeField(_("choisi le"), null=True, blank=True)
    declined_at = models.DateTimeField(_("n'écrira pas (depuis le)"), null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(_("relances envoyées"), default=0)
    last_reminder_at = models.DateTimeField(_("dernière relance"), null=True, blank=True)

    class Meta:
        verbose_name = _("auteur·rice de témoignage")
        verbose_name_plural = _("auteur·rices de témoignage")
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="testimony_writer_once")
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.session}"


class Testimony(models.Model):
    session = models.ForeignKey(
        "forum.Session",
        on_delete=models.CASCADE,
        related_name="testimonies",
        verbose_name=_("session"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="testimonies",
        verbose_name=_("auteur·rice"),
    )
    consent = models.CharField(_("consentement"), max_length=10, choices=Consent.choices)
    title = models.CharField(_("titre"), max_length=200)
    body = models.TextField(_("texte"))
    themes = models.ManyToManyField(
        TestimonyTheme, blank=True, related_name="testimonies", verbose_name=_("thèmes")
    )
    source = models.CharField(_("origine"), max_length=8, default="web")
    message_id = models.CharField(max_length=255, blank=True, db_index=True)
    status = models.CharField(
        _("état"), max_length=10, choices=TestimonyStatus.choices, default=TestimonyStatus.PENDING
    )
    created_at = models.DateTimeField(_("écrit le"), auto_now_add=True)
    reviewed_at = models.DateTimeField(_("relu le"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("relu par"),
    )
    refusal_reason = models.CharField(_("motif du refus"), max_length=300, blank=True)
    thread = models.OneToOneField(
        "forum.Thread",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="testimony",
        verbose_name=_("fil"),
    )

    class Meta:
        verbose_name = _("témoignage")
        verbose_name_plural = _("témoignages")
        ordering = ["session", "created_at", "pk"]
        constraints = [
            # One testimony a person and session, a refused one aside.
            models.UniqueConstraint(
                fields=["session", "author"],
                condition=~models.Q(status="refused"),
                name="one_testimony_per_person",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_anonymous(self) -> bool:
        return self.consent == Consent.ANONYMOUS


class TestimonyAuthorAccess(models.Model):
    testimony = models.ForeignKey(
        Testimony,
        on_delete=models.CASCADE,
        related_name="author_accesses",
        verbose_name=_("témoignage"),
    )
    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("consulté par"),
    )
    at = models.DateTimeField(_("le"), auto_now_add=True)

    class Meta:
        verbose_name = _("consultation de l'auteur·rice")
        verbose_name_plural = _("consultations de l'auteur·rice")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.viewer} · {self.testimony} · {self.at}"
