"""How well mail reaches each person: bounce score and suspension."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MailboxHealth(models.Model):
    """Bounce score per person: hard +2, soft +1, reset after a quiet period; at the
    threshold, email delivery is suspended until the person checks their address."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="mailbox_health",
        verbose_name=_("personne"),
    )
    bounce_score = models.PositiveSmallIntegerField(_("score de rejets"), default=0)
    last_bounce_at = models.DateTimeField(_("dernier rejet le"), null=True, blank=True)
    suspended_at = models.DateTimeField(_("envois suspendus le"), null=True, blank=True)

    class Meta:
        verbose_name = _("état de la boîte aux lettres")
        verbose_name_plural = _("états des boîtes aux lettres")

    def __str__(self) -> str:
        return f"{self.user}: {self.bounce_score}"

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None


class BounceKind(models.TextChoices):
    HARD = "hard", _("définitif")
    SOFT = "soft", _("temporaire")


class Bounce(models.Model):
    """A delivery status notification (RFC 3464) attributed to a delivery."""

    delivery = models.ForeignKey(
        "mailbridge.Delivery",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="bounces",
        verbose_name=_("envoi"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="bounces",
        verbose_name=_("personne"),
    )
    kind = models.CharField(_("nature"), max_length=4, choices=BounceKind.choices)
    status = models.CharField(_("statut DSN"), max_length=16, blank=True)
    diagnostic = models.TextField(_("diagnostic"), blank=True)
    received_at = models.DateTimeField(_("reçu le"), auto_now_add=True)

    class Meta:
        verbose_name = _("rejet")
        verbose_name_plural = _("rejets")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.status} ({self.received_at:%Y-%m-%d})"
