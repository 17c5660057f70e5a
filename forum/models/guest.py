"""Guest authors: people who write through a network's bridged list without an
account on Intercoop (docs/architecture.md, "Bridges to networks' own lists").

A guest's posts are written under an inactive stand-in account of their own (no
password, no address on the account, so never mailed and never signed in), whose
profile carries the name they sign with and `is_guest`: every surface that names a
post's author reads that profile and says « (invité·e) ». When a person later
confirms that address on their own account, the guest's posts become theirs
(forum.services.guests.guest_posts_claim) and the stand-in goes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


def guest_label(name: str) -> str:
    """How a guest author is named everywhere: « Marie Dupont (invité·e) »."""
    return gettext("%(name)s (invité·e)") % {"name": name}


class GuestAuthor(models.Model):
    # Lower-cased and stripped (forum.services.guests.normalised_address).
    address = models.CharField(_("adresse"), max_length=320, unique=True)
    name = models.CharField(_("nom"), max_length=120, blank=True)
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="guest",
        verbose_name=_("compte de remplacement"),
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("auteur·rice invité·e")
        verbose_name_plural = _("auteur·rices invité·es")

    def __str__(self) -> str:
        return self.name or self.address
