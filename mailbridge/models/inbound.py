"""Inbound mail: every message the gateway accepted, as received, and what became of it.

Why a raw message lives in the database rather than in a file beside the row:
the gateway may answer 250 only once the message is durable (docs/fixed-points.md,
"Nothing is lost"), and one commit makes it so. A file would need its own fsync, an
fsync of its directory, then the commit of a row naming it, and a crash between them
leaves an orphan file or a row without its file. In the database the message and its
row are one atomic write, concurrent messages share one commit (the gateway's group
commit, mailbridge/smtp/intake.py), backups and a second gateway host see the same
data, and the admin's download is a read of the row. Messages are small (a reply is a
few KB), and the default manager leaves the bytes out of every query that does not
ask for them. The large ones (over INTERCOOP_INBOUND_FILE_BYTES) are the exception:
tens of megabytes in a row cost the gateway copies in the driver and the database's
buffers, so they are files, written durably before the row that names them
(mailbridge/raw_files.py); `raw_bytes()` reads either kind.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class InboundStatus(models.TextChoices):
    RECEIVED = "received", _("reçu, à traiter")
    PROCESSING = "processing", _("en cours de traitement")
    POSTED = "posted", _("publié en réponse")
    NEW_THREAD = "new_thread", _("nouveau fil")
    HELD = "held", _("retenu pour modération")
    REJECTED = "rejected", _("refusé")
    BOUNCE = "bounce", _("avis de non-remise")
    COMMAND = "command", _("commande de liste")
    DUPLICATE = "duplicate", _("doublon")
    TESTIMONY = "testimony", _("témoignage à relire")
    ANSWERED = "answered", _("réponses au questionnaire")
    LIST_ADMIN = "list_admin", _("message d'une liste reliée, pour ses référent·es")


PENDING_STATUSES = (InboundStatus.RECEIVED, InboundStatus.PROCESSING)


class InboundMessageManager(models.Manager):
    """Leaves the raw bytes out unless a query asks for them (`.with_raw()`)."""

    def get_queryset(self):
        return super().get_queryset().defer("raw")

    def with_raw(self):
        return super().get_queryset()


class InboundMessage(models.Model):
    raw = models.BinaryField(_("message brut"))
    # A large message's bytes are in this file instead (mailbridge/raw_files.py).
    raw_file = models.CharField(_("fichier du message brut"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("taille (octets)"), default=0)
    mail_from = models.CharField(_("expéditeur (enveloppe)"), max_length=320, blank=True)
    rcpt_tos = models.JSONField(_("destinataires (enveloppe)"), default=list)
    peer = models.CharField(_("client SMTP"), max_length=100, blank=True)
    helo = models.CharField(_("nom annoncé (EHLO)"), max_length=255, blank=True)
    received_at = models.DateTimeField(_("reçu le"), db_index=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True, db_index=True)
    from_address = models.CharField(_("adresse From"), max_length=320, blank=True)
    subject = models.CharField(_("objet"), max_length=300, blank=True)
    status = models.CharField(
        _("statut"),
        max_length=12,
        choices=InboundStatus.choices,
        default=InboundStatus.RECEIVED,
    )
    reason = models.CharField(_("motif"), max_length=40, blank=True, db_index=True)
    trail = models.JSONField(_("parcours"), default=list, blank=True)
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("personne reconnue"),
    )
    post = models.ForeignKey(
        "forum.Post",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound_messages",
        verbose_name=_("message publié"),
    )
    # The text of the mail before the quoted history and signature were taken
    # away: what "show the whole message" displays under an email post.
    original_text = models.TextField(_("texte complet reçu"), blank=True)
    # Set, in the post's own transaction, to the Message-ID (or a digest of the
    # bytes when there is none) of the mail that made a post: unique, so the same
    # mail processed twice at once makes one post (the second commit fails).
    post_key = models.CharField(max_length=255, null=True, blank=True, unique=True)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    claimed_at = models.DateTimeField(_("traitement commencé le"), null=True, blank=True)
    # The worker processing it (mailbridge.leases: host:pid:start) and until when it
    # holds it unless its heartbeat renews the lease.
    claimed_by = models.CharField(_("pris par"), max_length=120, blank=True)
    lease_until = models.DateTimeField(_("réservé jusqu'au"), null=True, blank=True)
    processed_at = models.DateTimeField(_("traité le"), null=True, blank=True)

    objects = InboundMessageManager()

    class Meta:
        verbose_name = _("courriel reçu")
        verbose_name_plural = _("courriels reçus")
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["status", "received_at"], name="inbound_pending")]

    def __str__(self) -> str:
        return f"{self.pk} {self.mail_from or '<>'} → {', '.join(self.rcpt_tos)} ({self.status})"

    def raw_bytes(self) -> bytes:
        """The message as received, from the row or from its file."""
        if self.raw_file:
            from mailbridge.raw_files import raw_file_read

            return raw_file_read(self.raw_file)
        return bytes(self.raw)
