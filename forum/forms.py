"""Forms of the forum core; every error message in French first, with a stable code."""

from __future__ import annotations

from django import forms
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from forum.models import MailDelivery, Network, NetworkStatus, Role, Session

NEW_NETWORK = "new"

# Primary keys are 64-bit integers; a larger forged number must be an answer, not a crash
# (SQLite raises OverflowError on binding it).
_PK_MAX = 2**63 - 1


class SessionsField(forms.ModelMultipleChoiceField):
    """Sessions by id, checking each id is a plausible integer before asking the database."""

    def _check_values(self, value):
        for pk in value:
            try:
                number = int(str(pk).strip())
            except (TypeError, ValueError):
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                ) from None
            if not 0 < number <= _PK_MAX:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super()._check_values(value)


class SignupForm(forms.Form):
    """Extra fields of allauth's sign-up (ACCOUNT_SIGNUP_FORM_CLASS)."""

    display_name = forms.CharField(
        label=_("Nom affiché"),
        max_length=120,
        help_text=_("Tel qu'il apparaîtra sur le forum et dans les courriels."),
        error_messages={"required": _("Indiquez le nom sous lequel vous apparaîtrez.")},
    )

    field_order = ["email", "display_name", "password1", "password2"]

    def clean_display_name(self):
        name = " ".join(self.cleaned_data["display_name"].split())
        if not name:
            raise forms.ValidationError(
                _("Indiquez le nom sous lequel vous apparaîtrez."), code="required"
            )
        return name

    def signup(self, request, user):
        from forum.services import profile_ensure

        language = getattr(request, "LANGUAGE_CODE", "fr")
        profile_ensure(
            user=user, display_name=self.cleaned_data["display_name"], language=language[:2]
        )


class RegistrationForm(forms.Form):
    network = forms.ChoiceField(
        label=_("Votre réseau"),
        required=False,
        help_text=_("Choisissez votre réseau, ou « Un autre réseau » pour l'ajouter."),
    )
    new_network_name = forms.CharField(
        label=_("Nom du nouveau réseau"), max_length=200, required=False
    )
    new_network_website = forms.URLField(
        label=_("Site web du nouveau réseau"),
        required=False,
        assume_scheme="https",
        error_messages={
            "invalid": _("Saisissez une adresse web complète, par exemple https://exemple.org.")
        },
    )
    sessions = SessionsField(
        label=_("Sessions auxquelles vous participerez"),
        queryset=Session.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choisissez au moins une session."),
            "invalid_choice": _("Cette session n'existe pas."),
            "invalid_pk_value": _("Cette session n'existe pas."),
        },
    )
    requested_role = forms.ChoiceField(
        label=_("Votre rôle"),
        choices=[
            (Role.PARTICIPANT, _("Je participe")),
            (Role.FACILITATOR, _("Je souhaite animer ou intervenir")),
        ],
        initial=Role.PARTICIPANT,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choisissez un rôle dans la liste.")},
    )
    mail_delivery = forms.ChoiceField(
        label=_("Recevoir les messages du forum"),
        choices=MailDelivery.choices,
        initial=MailDelivery.EACH,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choisissez une option dans la liste.")},
    )
    comment = forms.CharField(
        label=_("Un mot pour les organisateurs (facultatif)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, event, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        sessions = event.sessions.order_by("number")
        if user is not None:
            # A private session is offered only to whom may see it (registered people),
            # so the form does not show its title to any account that signs up.
            sessions = sessions.visible_to(user)
        self.fields["sessions"].queryset = sessions
        self.fields["sessions"].label_from_instance = lambda s: f"{s.number}. {s.title}"
        networks = [
            (str(n.pk), n.name)
            for n in Network.objects.exclude(status=NetworkStatus.DECLINED).order_by("name")
        ]
        self.fields["network"].choices = [
            ("", _("— Aucun réseau —")),
            *networks,
            (NEW_NETWORK, _("Un autre réseau…")),
        ]
        self.fields["network"].error_messages["invalid_choice"] = _(
            "Choisissez un réseau dans la liste."
        )

    def clean(self):
        cleaned = super().clean()
        choice = cleaned.get("network")
        if choice == NEW_NETWORK:
            name = " ".join((cleaned.get("new_network_name") or "").split())
            if not name:
                self.add_error(
                    "new_network_name",
                    forms.ValidationError(_("Indiquez le nom du nouveau réseau."), code="required"),
                )
            elif not slugify(name):
                # The network's slug (its identity) is made of letters and digits.
                self.add_error(
                    "new_network_name",
                    forms.ValidationError(
                        _("Ce nom de réseau n'est pas utilisable."), code="network_invalid"
                    ),
                )
            cleaned["network_obj"] = None
            cleaned["new_network_name"] = name
        elif choice:
            cleaned["network_obj"] = Network.objects.filter(pk=choice).first()
            if cleaned["network_obj"] is None:
                self.add_error(
                    "network", forms.ValidationError(_("Ce réseau n'existe pas."), code="invalid")
                )
        else:
            cleaned["network_obj"] = None
        return cleaned
