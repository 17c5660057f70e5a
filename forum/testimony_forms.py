"""The forms of the testimony pages: consent, the testimony itself, the settings."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from forum.errors import UserError
from forum.models import Consent
from forum.reminder_schedule import schedule_parse
from forum.services.posts import TITLE_MAX
from forum.services.testimonies import TESTIMONY_MAX_CHARS


class ConsentForm(forms.Form):
    consent = forms.ChoiceField(
        label=_("Votre témoignage sera"),
        choices=[
            (Consent.SIGNED, _("signé : votre nom apparaît avec lui")),
            (Consent.ANONYMOUS, _("anonyme : publié comme « Témoignage anonyme »")),
        ],
        widget=forms.RadioSelect,
    )


class TestimonyForm(forms.Form):
    title = forms.CharField(label=_("Titre"), max_length=TITLE_MAX)
    body = forms.CharField(
        label=_("Votre témoignage"),
        max_length=TESTIMONY_MAX_CHARS,
        widget=forms.Textarea(
            attrs={"rows": 18, "maxlength": TESTIMONY_MAX_CHARS, "data-char-count": ""}
        ),
        help_text=_("Une page : %(max)s caractères au plus.") % {"max": TESTIMONY_MAX_CHARS},
    )
    themes = forms.MultipleChoiceField(
        label=_("Thèmes"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, themes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["themes"].choices = [(str(theme.pk), theme.name) for theme in themes]


class TestimonySettingsForm(forms.Form):
    hold_for_review = forms.BooleanField(
        label=_("Relire les témoignages avant leur publication"), required=False
    )
    reminder_days = forms.CharField(
        label=_("Relances, en jours avant la session"),
        required=False,
        help_text=_("Par exemple « 7, 2 ». Vide : aucune relance. Trois au plus."),
    )
    themes = forms.CharField(
        label=_("Thèmes proposés, un par ligne"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 7}),
    )

    def clean_reminder_days(self) -> list[int]:
        # Read as the questionnaire's schedule is (forum/reminder_schedule.py).
        try:
            return schedule_parse(self.cleaned_data["reminder_days"])
        except UserError as exc:
            raise forms.ValidationError(str(exc), code=exc.code) from None

    def clean_themes(self) -> list[str]:
        return [line for line in self.cleaned_data["themes"].splitlines() if line.strip()]
