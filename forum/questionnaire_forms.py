"""The questionnaire builder's forms: they read what was typed; the services judge it
(forum.services.questionnaires), and the views show the services' refusals here."""

from __future__ import annotations

from itertools import zip_longest

from django import forms
from django.utils.translation import gettext_lazy as _

from forum.models import Anonymity, Question, QuestionKind, Questionnaire
from forum.models.questionnaire import CHOICE_KINDS
from forum.services.questionnaires import QuestionFields, QuestionnaireSettings


class _LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self):
        super().__init__(format="%Y-%m-%dT%H:%M")


class QuestionnaireSettingsForm(forms.Form):
    title_fr = forms.CharField(label=_("Titre"), max_length=200)
    title_en = forms.CharField(label=_("Titre en anglais"), max_length=200, required=False)
    intro_fr = forms.CharField(
        label=_("Introduction"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Ce que les participant·es lisent avant les questions (Markdown)."),
    )
    intro_en = forms.CharField(
        label=_("Introduction en anglais"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    anonymity = forms.ChoiceField(
        label=_("Anonymat"), choices=Anonymity.choices, widget=forms.RadioSelect
    )
    opens_at = forms.DateTimeField(
        label=_("Ouverture"),
        required=False,
        widget=_LocalDateTimeInput(),
        help_text=_("Vide : dès que vous l'ouvrez."),
    )
    closes_at = forms.DateTimeField(
        label=_("Clôture"),
        required=False,
        widget=_LocalDateTimeInput(),
        help_text=_("Vide : au début de la session."),
    )
    reminder_days = forms.CharField(
        label=_("Relances"),
        required=False,
        max_length=40,
        help_text=_(
            "Jours avant la clôture où celles et ceux qui n'ont ni répondu ni décliné "
            "reçoivent une relance par courriel, par exemple « 7, 2 » ; au plus 3 ; "
            "vide : aucune relance."
        ),
    )

    def __init__(self, *args, questionnaire: Questionnaire, **kwargs):
        initial = {
            name: getattr(questionnaire, name)
            for name in (
                "title_fr",
                "title_en",
                "intro_fr",
                "intro_en",
                "anonymity",
                "reminder_days",
            )
        }
        initial |= {"opens_at": questionnaire.opens_at, "closes_at": questionnaire.closes_at}
        super().__init__(*args, initial=initial, **kwargs)
        if questionnaire.anonymity_locked:
            # Shown, not changeable: the browser sends nothing, the form keeps the initial.
            self.fields["anonymity"].disabled = True
            self.fields["anonymity"].help_text = _(
                "Verrouillé : des réponses existent déjà, l'anonymat annoncé est conservé."
            )
        else:
            self.fields["anonymity"].help_text = _(
                "Se choisit avant la première réponse, puis reste tel quel."
            )

    def settings(self) -> QuestionnaireSettings:
        data = self.cleaned_data
        return QuestionnaireSettings(**{name: data[name] for name in self.fields})


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Nature de la question"), choices=QuestionKind.choices)
    text_fr = forms.CharField(label=_("Question"), max_length=500)
    text_en = forms.CharField(label=_("Question en anglais"), max_length=500, required=False)
    help_fr = forms.CharField(
        label=_("Aide"),
        max_length=1000,
        required=False,
        help_text=_("Une précision affichée sous la question (facultatif)."),
    )
    help_en = forms.CharField(label=_("Aide en anglais"), max_length=1000, required=False)
    required = forms.BooleanField(label=_("Réponse obligatoire"), required=False)
    choices_fr = forms.CharField(
        label=_("Options"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Questions à choix : une option par ligne, de 2 à 20."),
    )
    choices_en = forms.CharField(
        label=_("Options en anglais"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Dans le même ordre, une par ligne."),
    )
    scale_low_fr = forms.CharField(
        label=_("Libellé du 1"),
        max_length=100,
        required=False,
        help_text=_("Échelle : ce que veut dire 1, par exemple « pas du tout »."),
    )
    scale_low_en = forms.CharField(
        label=_("Libellé du 1 en anglais"), max_length=100, required=False
    )
    scale_high_fr = forms.CharField(
        label=_("Libellé du 5"),
        max_length=100,
        required=False,
        help_text=_("Échelle : ce que veut dire 5, par exemple « tout à fait »."),
    )
    scale_high_en = forms.CharField(
        label=_("Libellé du 5 en anglais"), max_length=100, required=False
    )

    # Which fields belong to which kinds: the template groups them, the script hides
    # those of other kinds.
    CHOICE_FIELDS = ("choices_fr", "choices_en")
    SCALE_FIELDS = ("scale_low_fr", "scale_low_en", "scale_high_fr", "scale_high_en")

    @classmethod
    def for_question(cls, question: Question, data=None) -> QuestionForm:
        choices = list(question.choices.all())
        initial = {name: getattr(question, name) for name in QuestionFields.TEXTS}
        initial |= {
            "kind": question.kind,
            "required": question.required,
            "choices_fr": "\n".join(choice.label_fr for choice in choices),
            "choices_en": "\n".join(choice.label_en for choice in choices),
        }
        return cls(data, initial=initial)

    def fields_for(self) -> QuestionFields:
        data = self.cleaned_data
        choices = []
        if data["kind"] in CHOICE_KINDS:
            pairs = zip_longest(_lines(data["choices_fr"]), _lines(data["choices_en"]))
            choices = [(fr or "", en or "") for fr, en in pairs]
        texts = {name: data[name] for name in QuestionFields.TEXTS}
        return QuestionFields(
            kind=data["kind"], required=data["required"], choices=choices, **texts
        )
