"""Networks: the cooperative networks people come from, their directory entry, their
référents, and the one name space they share with sessions for list addresses.

A network is proposed (at registration, or by a member) and approved by organisers;
an approved network has a board (forum.models.Board.network) whose list address is
`<network-slug>@` (docs/fixed-points.md, "Mail addresses"). A session's list is
`<session-slug>@` too, so a slug names one list or none: `list_slug_conflict`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Theme(models.Model):
    """A theme networks work on (filters of the directory)."""

    slug = models.SlugField(_("identifiant"), max_length=60, unique=True)
    name = models.CharField(_("nom"), max_length=120)

    class Meta:
        verbose_name = _("thème")
        verbose_name_plural = _("thèmes")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class NetworkStatus(models.TextChoices):
    PROPOSED = "proposed", _("proposé")
    APPROVED = "approved", _("approuvé")
    DECLINED = "declined", _("refusé")


class NetworkQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=NetworkStatus.APPROVED)


class Network(models.Model):
    name = models.CharField(_("nom"), max_length=200, unique=True)
    slug = models.SlugField(
        _("identifiant"),
        max_length=80,
        unique=True,
        help_text=_("Sert aussi d'adresse de la liste : <identifiant>@domaine."),
    )
    website = models.URLField(_("site web"), blank=True)
    description = models.TextField(_("description"), blank=True, help_text=_("Texte en Markdown."))
    region = models.CharField(_("région"), max_length=120, blank=True)
    themes = models.ManyToManyField(
        Theme, blank=True, related_name="networks", verbose_name=_("thèmes")
    )
    contact_name = models.CharField(_("contact"), max_length=200, blank=True)
    contact_email = models.EmailField(_("courriel de contact"), blank=True)
    status = models.CharField(
        _("statut"), max_length=10, choices=NetworkStatus.choices, default=NetworkStatus.PROPOSED
    )
    referents = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="referent_of",
        verbose_name=_("référent·es"),
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("proposé par"),
    )
    approved_at = models.DateTimeField(_("approuvé le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    objects = NetworkQuerySet.as_manager()

    class Meta:
        verbose_name = _("réseau")
        verbose_name_plural = _("réseaux")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("forum:network", kwargs={"slug": self.slug})

    @property
    def is_approved(self) -> bool:
        return self.status == NetworkStatus.APPROVED

    @property
    def list_address(self) -> str:
        return f"{self.slug}@{settings.INTERCOOP_MAIL_DOMAIN}"

    def clean(self):
        super().clean()
        conflict = list_slug_conflict(self.slug, network=self)
        if conflict:
            raise ValidationError({"slug": conflict})


# Local parts the mail gateway gives a meaning of its own (mailbridge.addresses).
RESERVED_LIST_SLUGS = frozenset(
    {"reply", "bounces", "bridge", "postmaster", "abuse", "mailer-daemon", "noreply"}
)


def list_slug_conflict(slug: str, *, network=None, session=None):
    """Why `slug` cannot name the list of `network` (or of `session`), or None.

    Sessions' and networks' lists share the local parts of the mail domain, and
    their boards share the boards' slugs: one slug, one list."""
    from forum.models import Board, Session

    slug = (slug or "").lower()
    if slug in RESERVED_LIST_SLUGS:
        return _("« %(slug)s » est réservé aux adresses du site.") % {"slug": slug}
    sessions = Session.objects.filter(slug__iexact=slug)
    if session is not None and session.pk:
        sessions = sessions.exclude(pk=session.pk)
    if sessions.exists():
        return _("« %(slug)s » est déjà l'adresse de la liste d'une session.") % {"slug": slug}
    networks = Network.objects.filter(slug__iexact=slug)
    if network is not None and network.pk:
        networks = networks.exclude(pk=network.pk)
    if networks.exists():
        return _("« %(slug)s » est déjà l'adresse de la liste d'un réseau.") % {"slug": slug}
    boards = Board.objects.filter(slug__iexact=slug)
    if network is not None and network.pk:
        boards = boards.exclude(network=network)
    if session is not None and session.pk:
        boards = boards.exclude(session=session)
    if boards.exists():
        return _("« %(slug)s » est déjà l'identifiant d'un forum.") % {"slug": slug}
    return None
