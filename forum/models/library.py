"""The shared library of tools and methods (« mutualisation »): entries the networks
pool, each with a link or a file, the networks that use it, tags and a licence, and
its own discussion thread in the library's board (Board.kind LIBRARY).

An entry's file is an Attachment of its thread's first post: stored, typed and served
as every attachment is (forum.models.attachment, forum/attachment_files.py), to
whoever may read that post.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class LibraryTag(models.Model):
    slug = models.SlugField(_("identifiant"), max_length=60, unique=True)
    name = models.CharField(_("nom"), max_length=60)

    class Meta:
        verbose_name = _("étiquette de la bibliothèque")
        verbose_name_plural = _("étiquettes de la bibliothèque")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Licence(models.TextChoices):
    """Common licences of shared tools and documents (SPDX identifiers), and "other"."""

    CC_BY = "CC-BY-4.0", _("Creative Commons Attribution 4.0 (CC BY)")
    CC_BY_SA = "CC-BY-SA-4.0", _("Creative Commons BY-SA 4.0 (partage à l'identique)")
    CC_BY_NC = "CC-BY-NC-4.0", _("Creative Commons BY-NC 4.0 (pas d'usage commercial)")
    CC_BY_NC_SA = "CC-BY-NC-SA-4.0", _("Creative Commons BY-NC-SA 4.0")
    CC_BY_ND = "CC-BY-ND-4.0", _("Creative Commons BY-ND 4.0")
    CC0 = "CC0-1.0", _("CC0 1.0 (domaine public)")
    ETALAB = "etalab-2.0", _("Licence Ouverte / Open Licence 2.0 (Etalab)")
    ART_LIBRE = "LAL-1.3", _("Licence Art Libre 1.3")
    GPL = "GPL-3.0-or-later", _("GNU GPL 3.0 ou ultérieure")
    AGPL = "AGPL-3.0-or-later", _("GNU AGPL 3.0 ou ultérieure")
    LGPL = "LGPL-3.0-or-later", _("GNU LGPL 3.0 ou ultérieure")
    MIT = "MIT", _("MIT")
    APACHE = "Apache-2.0", _("Apache 2.0")
    ALL_RIGHTS = "all-rights-reserved", _("Tous droits réservés")
    OTHER = "other", _("Autre licence")


class LibraryEntryQuerySet(models.QuerySet):
    def shown(self):
        """Entries not hidden by moderation: what lists, search, the feed, the API
        and the export give."""
        return self.filter(is_hidden=False)


class LibraryEntry(models.Model):
    title = models.CharField(_("titre"), max_length=200)
    description = models.TextField(_("description"), help_text=_("Texte en Markdown."))
    # Rendered and sanitised as posts are (forum.rendering), when written.
    description_html = models.TextField(_("description (HTML nettoyé)"))
    url = models.URLField(_("lien"), max_length=500, blank=True)
    file = models.ForeignKey(
        "forum.Attachment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("fichier"),
    )
    networks = models.ManyToManyField(
        "forum.Network", blank=True, related_name="library_entries", verbose_name=_("réseaux")
    )
    tags = models.ManyToManyField(
        LibraryTag, blank=True, related_name="entries", verbose_name=_("étiquettes")
    )
    licence = models.CharField(_("licence"), max_length=24, choices=Licence.choices)
    licence_other = models.CharField(_("autre licence"), max_length=200, blank=True)
    thread = models.OneToOneField(
        "forum.Thread",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="library_entry",
        verbose_name=_("discussion"),
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="library_entries",
        verbose_name=_("proposé par"),
    )
    created_at = models.DateTimeField(_("proposé le"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)
    is_hidden = models.BooleanField(_("masquée"), default=False)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("masquée par"),
    )
    hidden_at = models.DateTimeField(_("masquée le"), null=True, blank=True)

    objects = LibraryEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("fiche de la bibliothèque")
        verbose_name_plural = _("fiches de la bibliothèque")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("forum:library_entry", kwargs={"pk": self.pk})

    @property
    def licence_shown(self) -> str:
        """The licence as a reader reads it: its name, or the one typed for "other"."""
        if self.licence == Licence.OTHER and self.licence_other:
            return self.licence_other
        return str(self.get_licence_display())
