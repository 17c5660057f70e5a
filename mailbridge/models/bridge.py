"""Bridges to networks' own mailing lists (docs/architecture.md, "Bridges to
networks' own lists").

A référent registers the network's list (its posting address and List-Id); Intercoop
subscribes to it as `bridge+<network-slug>@` (mailbridge.addresses.bridge_address).
What the list sends there becomes posts in the network's board (mailbridge/bridge/),
except the list's own administrative mail (its subscription confirmation…), kept as
`ListAdminMessage` for the référents to read and act on themselves.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ListBridge(models.Model):
    network = models.OneToOneField(
        "forum.Network",
        on_delete=models.CASCADE,
        related_name="list_bridge",
        verbose_name=_("réseau"),
    )
    # Lower-cased (mailbridge.bridge.lists.list_address_normalised).
    list_address = models.CharField(_("adresse d'envoi de la liste"), max_length=320)
    # Without its phrase nor angle brackets, lower-cased: `accorderies.lists.example.org`
    # (RFC 2919; mailbridge.bridge.lists.list_id_of).
    list_id = models.CharField(_("List-Id de la liste"), max_length=255)
    # Two ways: posts written on Intercoop in the board are relayed to the list.
    relay = models.BooleanField(_("relayer vers la liste"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("enregistrée par"),
    )
    created_at = models.DateTimeField(_("enregistrée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    class Meta:
        verbose_name = _("passerelle de liste")
        verbose_name_plural = _("passerelles de listes")

    def __str__(self) -> str:
        return f"{self.network} ⇄ {self.list_address}"


class ListAdminMessage(models.Model):
    """Mail the list itself sent to the bridge address (a subscription to confirm, a
    welcome, a notice from its owners): shown to the référents, never acted upon."""

    bridge = models.ForeignKey(ListBridge, on_delete=models.CASCADE, related_name="admin_messages")
    inbound = models.OneToOneField(
        "mailbridge.InboundMessage", on_delete=models.CASCADE, related_name="+"
    )
    from_address = models.CharField(_("expéditeur"), max_length=320, blank=True)
    subject = models.CharField(_("objet"), max_length=300, blank=True)
    text = models.TextField(_("texte"), blank=True)
    received_at = models.DateTimeField(_("reçu le"))
    handled_at = models.DateTimeField(_("traité le"), null=True, blank=True)

    class Meta:
        verbose_name = _("message de la liste")
        verbose_name_plural = _("messages de la liste")
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return self.subject


class BridgedMessage(models.Model):
    """A post that came through a bridge, with what threading needs later: the
    Message-IDs it answers that were not known yet (`awaited`, space-separated,
    nearest first) while it waits, as the first post of a thread of its own, for
    one of them to arrive (mailbridge.bridge.threading)."""

    bridge = models.ForeignKey(ListBridge, on_delete=models.CASCADE, related_name="messages")
    post = models.OneToOneField("forum.Post", on_delete=models.CASCADE, related_name="+")
    message_id = models.CharField(max_length=255, blank=True)
    awaited = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["bridge"], condition=~models.Q(awaited=""), name="bridged_orphans")
        ]

    def __str__(self) -> str:
        return self.message_id or str(self.post_id)
