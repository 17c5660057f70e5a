"""The form of a library entry, to propose one or edit it. It shapes and checks the
input; the rules are forum.services.library's, whose UserError comes back next to
the field its code names."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from forum.board_forms import BODY_HELP, SubmissionKeyField
from forum.errors import UserError
from forum.forms import SessionsField
from forum.models import Licence, Network, NetworkStatus

TAGS_HELP = _("Séparées par des virgules, par exemple : animation, gouvernance, wiki.")

# A service's refusal (its code's beginning) → the field it is shown next to.
CODE_FIELDS = (
    ("title", "title"),
    ("description", "description"),
    ("url", "url"),
    ("licence_other", "licence_other"),
    ("licence", "licence"),
    ("network", "networks"),
    ("tag", "tags"),
    ("too_many_tags", "tags"),
    ("file", "file"),
    ("cannot_post_file", "file"),
)


class LibraryEntryForm(forms.Form):
    title = forms.CharField(
        label=_("Titre"),
        max_length=200,
        error_messages={"required": _("Donnez un titre à la fiche.")},
    )
    description = forms.CharField(
        label=_("Description"),
        help_text=BODY_HELP,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": _("Décrivez l'outil ou la méthode.")},
    )
    url = forms.URLField(
        label=_("Lien"),
        max_length=500,
        required=False,
        assume_scheme="https",
        error_messages={"invalid": _("Ce lien n'est pas une adresse web valable.")},
    )
    file = forms.FileField(
        label=_("Fichier"),
        required=False,
        help_text=_("PDF, documents bureautiques, texte, CSV, ZIP ou images."),
    )
    networks = SessionsField(
        label=_("Réseaux qui l'utilisent"),
        queryset=Network.objects.filter(status=NetworkStatus.APPROVED).order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={"invalid_choice": _("Choisissez des réseaux de l'annuaire.")},
    )
    tags = forms.CharField(
        label=_("Étiquettes"), max_length=500, required=False, help_text=TAGS_HELP
    )
    licence = forms.ChoiceField(
        label=_("Licence"),
        choices=[("", "—"), *Licence.choices],
        error_messages={
            "required": _("Choisissez une licence dans la liste."),
            "invalid_choice": _("Choisissez une licence dans la liste."),
        },
    )
    licence_other = forms.CharField(
        label=_("Autre licence : laquelle ?"), max_length=200, required=False
    )
    submission_key = SubmissionKeyField()

    def __init__(self, *args, has_file: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.has_file = has_file
        if has_file:
            self.fields["file"].help_text = _(
                "Un nouveau fichier remplace l'actuel (qui reste dans la discussion)."
            )

    def clean(self):
        data = super().clean()
        if (
            not data.get("url")
            and not data.get("file")
            and not self.has_file
            and "url" not in self.errors
        ):
            raise ValidationError(_("Donnez un lien ou joignez un fichier."), code="link_or_file")
        if data.get("licence") == Licence.OTHER and not (data.get("licence_other") or "").strip():
            self.add_error(
                "licence_other",
                ValidationError(
                    _("Précisez de quelle licence il s'agit."), code="licence_other_required"
                ),
            )
        return data

    def tag_names(self) -> list[str]:
        raw = self.cleaned_data.get("tags", "")
        return [name for name in (part.strip() for part in raw.split(",")) if name]

    def entry_fields(self) -> dict:
        """The cleaned values as the services take them."""
        data = self.cleaned_data
        return {
            "title": data["title"],
            "description": data["description"],
            "url": data.get("url", ""),
            "upload": data.get("file") or None,
            "networks": list(data.get("networks") or []),
            "tag_names": self.tag_names(),
            "licence": data["licence"],
            "licence_other": data.get("licence_other", ""),
        }

    def add_user_error(self, error: UserError) -> None:
        code = getattr(error, "code", "invalid") or "invalid"
        field = next((name for prefix, name in CODE_FIELDS if code.startswith(prefix)), None)
        self.add_error(field, ValidationError(str(error), code=code))
