"""The event, its programme and the people taking part.

Boards, threads and posts live beside these (board.py); nothing here knows mail or
websockets (docs/architecture.md, "The map").
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from forum.models.visibility import SessionQuerySet


class Event(models.Model):
    name = models.CharField(_("nom"), max_length=200)
    slug = models.SlugField(_("identifiant"), max_length=80, unique=True)
    tagline = models.CharField(_("accroche"), max_length=300, blank=True)
    starts_on = models.DateField(_("premier jour"))
    ends_on = models.DateField(_("dernier jour"))
    timezone = models.CharField(_("fuseau horaire"), max_length=64, default="Europe/Paris")
    location = models.CharField(_("lieu"), max_length=200, blank=True)
    website = models.URLField(_("site web"), blank=True)
    presentation = models.TextField(
        _("présentation"), blank=True, help_text=_("Texte en Markdown.")
    )
    registration_open = models.BooleanField(_("inscriptions ouvertes"), default=True)
    # The organisers' own texts in English, shown to English readers when given
    # (forum.localized).
    name_en = models.CharField(_("nom (anglais)"), max_length=200, blank=True)
    tagline_en = models.CharField(_("accroche (anglais)"), max_length=300, blank=True)
    presentation_en = models.TextField(
        _("présentation (anglais)"), blank=True, help_text=_("Texte en Markdown.")
    )

    class Meta:
        verbose_name = _("événement")
        verbose_name_plural = _("événements")
        ordering = ["-starts_on"]

    def __str__(self) -> str:
        return self.name


class SessionState(models.TextChoices):
    UPCOMING = "upcoming", _("à venir")
    LIVE = "live", _("en cours")
    CLOSED = "closed", _("terminée")


class Session(models.Model):
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("événement")
    )
    number = models.PositiveSmallIntegerField(_("numéro"))
    slug = models.SlugField(
        _("identifiant"),
        max_length=60,
        unique=True,
        help_text=_("Sert aussi d'adresse de la liste : <identifiant>@domaine."),
    )
    title = models.CharField(_("titre"), max_length=300)
    subtitle = models.CharField(_("sous-titre"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True, help_text=_("Texte en Markdown."))
    date = models.DateField(_("date"))
    starts_at = models.TimeField(_("heure de début"), null=True, blank=True)
    ends_at = models.TimeField(_("heure de fin"), null=True, blank=True)
    place = models.CharField(
        _("salle"), max_length=200, blank=True, help_text=_("Où, sur le lieu de l'événement.")
    )
    facilitators = models.CharField(
        _("animation"), max_length=300, blank=True, help_text=_("Noms, tels qu'affichés.")
    )
    title_en = models.CharField(_("titre (anglais)"), max_length=300, blank=True)
    subtitle_en = models.CharField(_("sous-titre (anglais)"), max_length=300, blank=True)
    description_en = models.TextField(
        _("description (anglais)"), blank=True, help_text=_("Texte en Markdown.")
    )
    facilitator_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="facilitated_sessions",
        verbose_name=_("comptes des animateurs"),
    )
    state = models.CharField(
        _("état"), max_length=12, choices=SessionState.choices, default=SessionState.UPCOMING
    )
    is_private = models.BooleanField(
        _("privée"), default=False, help_text=_("Visible seulement des personnes inscrites.")
    )
    shows_library = models.BooleanField(
        _("montre la bibliothèque"),
        default=False,
        help_text=_("La page de la session présente la bibliothèque d'outils et de méthodes."),
    )

    objects = SessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["event", "number"]
        constraints = [
            models.UniqueConstraint(fields=["event", "number"], name="session_number_per_event")
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("forum:session", kwargs={"slug": self.slug})

    @property
    def board(self):
        """The session's board of exchanges (None when it has none): its list's board.
        Its « Témoignages » board, when made, is `testimony_board`."""
        return self._board_of_kind("session")

    @property
    def testimony_board(self):
        return self._board_of_kind("testimonies")

    def _board_of_kind(self, kind: str):
        cache = self.__dict__.setdefault("_boards_by_kind", {})
        if kind not in cache:
            cache[kind] = self.boards.filter(kind=kind).first()
        return cache[kind]

    @property
    def list_address(self) -> str:
        return f"{self.slug}@{settings.INTERCOOP_MAIL_DOMAIN}"

    def clean(self):
        super().clean()
        from forum.models.network import list_slug_conflict

        conflict = list_slug_conflict(self.slug, session=self)
        if conflict:
            raise ValidationError({"slug": conflict})


class SegmentKind(models.TextChoices):
    PART = "part", _("temps de la session")
    QUESTIONNAIRE = "questionnaire", _("questionnaire")
    TESTIMONY = "testimony", _("témoignage")


class SessionSegment(models.Model):
    """One piece of a session's structure: a part, its questionnaire, a testimony."""

    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="segments", verbose_name=_("session")
    )
    order = models.PositiveSmallIntegerField(_("ordre"))
    kind = models.CharField(_("nature"), max_length=16, choices=SegmentKind.choices)
    title = models.CharField(_("titre"), max_length=300)
    description = models.TextField(_("description"), blank=True, help_text=_("Texte en Markdown."))

    class Meta:
        verbose_name = _("temps de session")
        verbose_name_plural = _("temps de session")
        ordering = ["session", "order"]
        constraints = [
            models.UniqueConstraint(fields=["session", "order"], name="segment_order_per_session")
        ]

    def __str__(self) -> str:
        return self.title


class Role(models.TextChoices):
    PARTICIPANT = "participant", _("participant·e")
    FACILITATOR = "facilitator", _("animateur·rice")
    ORGANISER = "organiser", _("organisateur·rice")


_ROLE_RANK = {Role.PARTICIPANT: 0, Role.FACILITATOR: 1, Role.ORGANISER: 2}


class RegistrationStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("confirmée")
    CANCELLED = "cancelled", _("annulée")


class Registration(models.Model):
    """A person's registration to an event; one per person and event, never two."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="registrations",
        verbose_name=_("personne"),
    )
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="registrations", verbose_name=_("événement")
    )
    network = models.ForeignKey(
        "forum.Network",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="registrations",
        verbose_name=_("réseau"),
    )
    sessions = models.ManyToManyField(
        Session, blank=True, related_name="registrations", verbose_name=_("sessions suivies")
    )
    role = models.CharField(
        _("rôle"), max_length=12, choices=Role.choices, default=Role.PARTICIPANT
    )
    requested_role = models.CharField(
        _("rôle demandé"), max_length=12, choices=Role.choices, default=Role.PARTICIPANT
    )
    status = models.CharField(
        _("statut"),
        max_length=12,
        choices=RegistrationStatus.choices,
        default=RegistrationStatus.CONFIRMED,
    )
    comment = models.TextField(_("commentaire"), blank=True)
    created_at = models.DateTimeField(_("inscrit·e le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    class Meta:
        verbose_name = _("inscription")
        verbose_name_plural = _("inscriptions")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "event"], name="one_registration_per_event")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.event}"

    @property
    def is_active(self) -> bool:
        return self.status == RegistrationStatus.CONFIRMED

    @property
    def has_pending_request(self) -> bool:
        """The person asked for more than organisers granted; asking for less (an
        organiser or facilitator who ticks "I take part") is no request."""
        return _ROLE_RANK[self.requested_role] > _ROLE_RANK[self.role]


class MailDelivery(models.TextChoices):
    EACH = "each", _("chaque message par courriel")
    DIGEST = "digest", _("un résumé quotidien")
    WEB = "web", _("sur le site seulement")


class Profile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="profile",
        verbose_name=_("compte"),
    )
    display_name = models.CharField(_("nom affiché"), max_length=120)
    network = models.ForeignKey(
        "forum.Network",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("réseau"),
    )
    language = models.CharField(_("langue"), max_length=8, choices=settings.LANGUAGES, default="fr")
    mail_delivery = models.CharField(
        _("réception des messages"),
        max_length=8,
        choices=MailDelivery.choices,
        default=MailDelivery.EACH,
    )
    # Whether the person uploaded a picture (forum.models.Avatar), and which: 0
    # without one. It goes into the picture's URL, so that a new one is fetched anew.
    avatar_version = models.PositiveIntegerField(default=0, editable=False)
    # The stand-in account of a guest author (forum.models.guest): shown « (invité·e) ».
    is_guest = models.BooleanField(_("invité·e"), default=False, editable=False)

    class Meta:
        verbose_name = _("profil")
        verbose_name_plural = _("profils")

    def __str__(self) -> str:
        return self.display_name
