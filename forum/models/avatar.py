"""The picture a person uploaded, resized (forum.avatars), apart from their profile:
pages load profiles with every post, and the picture's bytes only when it is asked for."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Avatar(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="avatar",
        verbose_name=_("personne"),
    )
    image = models.BinaryField(_("image (WebP)"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("avatar")
        verbose_name_plural = _("avatars")

    def __str__(self) -> str:
        return f"avatar of {self.user_id}"
