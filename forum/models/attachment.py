"""Files attached to a post (today: the attachments of a post that came by email).

The bytes live under <data dir>/attachments/, named by a random id, never by the
name the sender chose (`path` is relative to that directory); `filename` is the
sanitised name shown and offered for download. `is_inline_safe` is decided from the
file's own bytes, not from the type the sender declared: only a real JPEG, PNG, GIF
or WebP image is ever shown in the page; everything else (PDF, office files, and
above all HTML, SVG, scripts and executables) is served as a download.
"""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Attachment(models.Model):
    post = models.ForeignKey(
        "forum.Post",
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name=_("message"),
    )
    filename = models.CharField(_("nom du fichier"), max_length=200)
    content_type = models.CharField(_("type"), max_length=120)
    size = models.PositiveIntegerField(_("taille (octets)"))
    path = models.CharField(_("chemin"), max_length=200, unique=True)
    is_inline_safe = models.BooleanField(_("affichable dans la page"), default=False)
    created_at = models.DateTimeField(_("ajouté le"), auto_now_add=True)

    class Meta:
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")
        ordering = ["post", "pk"]

    def __str__(self) -> str:
        return self.filename

    def get_absolute_url(self) -> str:
        return reverse("forum:attachment", kwargs={"pk": self.pk, "filename": self.filename})

    @property
    def is_image(self) -> bool:
        return self.is_inline_safe and self.content_type.startswith("image/")
