"""The form a référent registers the network's list with (mailbridge/bridge/views.py)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class BridgeForm(forms.Form):
    list_address = forms.CharField(
        label=_("Adresse d'envoi de la liste"),
        max_length=320,
        help_text=_("L'adresse à laquelle on écrit pour envoyer un message à toute la liste."),
    )
    list_id = forms.CharField(
        label=_("List-Id de la liste"),
        max_length=255,
        required=False,
        help_text=_(
            "Dans l'en-tête List-Id des messages de la liste, entre < et >. "
            "Vide : l'adresse de la liste, son @ remplacé par un point."
        ),
    )
    relay = forms.BooleanField(
        label=_("Relayer vers la liste les messages écrits sur Intercoop dans ce forum"),
        required=False,
        help_text=_(
            "Ils partent de l'adresse de la passerelle, « Nom via Intercoop », et les "
            "réponses vont à la liste et au forum."
        ),
    )
