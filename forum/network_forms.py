"""Forms of the directory of networks: propose a network, edit its page. They shape
and check the input; the rules are forum.services.networks'."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

THEMES_HELP = _("Séparés par des virgules, par exemple : éducation populaire, logiciels libres.")


class NetworkPageForm(forms.Form):
    description = forms.CharField(
        label=_("Présentation"), widget=forms.Textarea(attrs={"rows": 6}), required=False
    )
    website = forms.URLField(label=_("Site web"), required=False, assume_scheme="https")
    region = forms.CharField(label=_("Région"), max_length=120, required=False)
    contact_name = forms.CharField(label=_("Contact"), max_length=200, required=False)
    contact_email = forms.EmailField(label=_("Courriel de contact"), required=False)
    themes = forms.CharField(
        label=_("Thèmes"), max_length=500, required=False, help_text=THEMES_HELP
    )

    def theme_names(self) -> list[str]:
        raw = self.cleaned_data.get("themes", "")
        return [name for name in (part.strip() for part in raw.split(",")) if name][:12]

    def page_fields(self) -> dict:
        return {
            key: self.cleaned_data.get(key, "")
            for key in ("description", "website", "region", "contact_name", "contact_email")
        }


class NetworkProposeForm(NetworkPageForm):
    name = forms.CharField(label=_("Nom du réseau"), max_length=200)
    field_order = ["name"]
