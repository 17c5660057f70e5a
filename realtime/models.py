"""The catch-up store: every live push, numbered per group, kept for a while.

A browser that lost its connection comes back with the last number it applied
and receives what it missed from here, in order, before the live pushes resume.
`LiveGroup` holds each group's counter: a seq is allocated by incrementing that
row inside the transaction that writes the event, so two writers (web, worker,
gateway, other processes) never get the same number and numbers are committed in
the order they are allocated (the row lock serialises them).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LiveGroup(models.Model):
    name = models.CharField(_("groupe"), max_length=100, unique=True)
    last_seq = models.PositiveBigIntegerField(_("dernier numéro"), default=0)

    class Meta:
        verbose_name = _("groupe en direct")
        verbose_name_plural = _("groupes en direct")

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_seq}"


class LiveEvent(models.Model):
    """One push to one group: a server-rendered fragment per language and what to do
    with it (payload: op, target element id, container, data)."""

    group = models.CharField(_("groupe"), max_length=100)
    seq = models.PositiveBigIntegerField(_("numéro"))
    kind = models.CharField(_("nature"), max_length=40)
    # What the fragment shows ("post:42"), so that hiding or editing a post can
    # re-render the fragments kept for catch-up: a hidden text is never replayed.
    subject = models.CharField(_("sujet"), max_length=60, blank=True, db_index=True)
    html = models.JSONField(_("fragments"), default=dict)
    payload = models.JSONField(_("données"), default=dict)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)

    class Meta:
        verbose_name = _("événement en direct")
        verbose_name_plural = _("événements en direct")
        ordering = ["group", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["group", "seq"], name="live_event_seq_per_group")
        ]
        indexes = [models.Index(fields=["group", "created_at"], name="live_event_group_time")]

    def __str__(self) -> str:
        return f"{self.group} #{self.seq} {self.kind}"
