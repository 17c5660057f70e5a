"""The transactional outbox: a delivery is a row before it is anything else.

Rows are written in the same transaction as the post (or digest, recap, notice)
they carry; the broker only wakes workers. `key` names what is delivered (e.g.
"post:42", "digest:travail-collaboratif:2007-07-04") so that writing the same
fan-out twice makes no second row: (recipient, key) is unique.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DeliveryKind(models.TextChoices):
    POST = "post", _("message du forum")
    DIGEST = "digest", _("résumé quotidien")
    RECAP = "recap", _("bilan de session")
    NOTICE = "notice", _("avis")
    REMINDER = "reminder", _("relance")
    QUESTIONNAIRE = "quest", _("questionnaire")
    REGISTRATION = "register", _("confirmation d'inscription")
    RELAY = "relay", _("relais vers la liste d'un réseau")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("en attente")
    SENDING = "sending", _("en cours d'envoi")
    SENT = "sent", _("envoyé")
    FAILED = "failed", _("échec")


class Delivery(models.Model):
    kind = models.CharField(_("nature"), max_length=8, choices=DeliveryKind.choices)
    key = models.CharField(_("clé"), max_length=160)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name=_("destinataire"),
    )
    address = models.EmailField(_("adresse"), max_length=254)
    post = models.ForeignKey(
        "forum.Post",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name=_("message"),
    )
    # Digests, recaps and notices carry their own rendered content.
    payload = models.JSONField(_("contenu"), default=dict, blank=True)
    status = models.CharField(
        _("statut"),
        max_length=8,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    next_attempt_at = models.DateTimeField(_("prochaine tentative"))
    claimed_by = models.CharField(_("pris par"), max_length=120, blank=True)
    claimed_at = models.DateTimeField(_("pris le"), null=True, blank=True)
    # Renewed by the sending worker's heartbeat (mailbridge.leases).
    lease_until = models.DateTimeField(_("réservé jusqu'au"), null=True, blank=True)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    smtp_code = models.PositiveSmallIntegerField(_("code SMTP"), null=True, blank=True)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("envoi")
        verbose_name_plural = _("envois")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["address", "key"], name="one_delivery_per_key"),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
        ]

    def __str__(self) -> str:
        return f"{self.key} → {self.address} ({self.status})"
